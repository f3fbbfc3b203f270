import json

from rest_framework import serializers

from civicgrid.geo.models import Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "full_name", "level", "level_display", "grid_kind", "parent",
                  "centroid_lon", "centroid_lat", "area_m2", "updated_at"]


class RegionDetailSerializer(RegionSerializer):
    geometry = serializers.SerializerMethodField()
    ancestors = serializers.SerializerMethodField()

    class Meta(RegionSerializer.Meta):
        fields = [*RegionSerializer.Meta.fields, "ancestors", "geometry"]

    def get_geometry(self, obj) -> dict | None:
        return json.loads(obj.geometry) if obj.geometry else None

    def get_ancestors(self, obj) -> list[str]:
        return obj.ancestor_codes


class LocateQuerySerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02", "bd09"], default="wgs84")


class PlacementSerializer(serializers.Serializer):
    inside = serializers.BooleanField()
    message = serializers.CharField()
    lon = serializers.FloatField(help_text="WGS-84")
    lat = serializers.FloatField(help_text="WGS-84")
    distance_m = serializers.FloatField(allow_null=True)
    grid = RegionSerializer(allow_null=True)
    ancestors = RegionSerializer(many=True)
