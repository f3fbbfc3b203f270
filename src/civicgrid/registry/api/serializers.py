"""What the registry API reads and writes. Every personal field is masked (as on the pages); the clear value comes
only from the reveal action, which is audited."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civicgrid.registry.models import Component, House, Organisation, Person, PersonMove

# ------------------------------------------------------------------------------------------------------ errors


class RegistryFieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="the request field (or rule) that is wrong")
    detail = serializers.CharField(help_text="what is wrong with it")
    errors = serializers.DictField(required=False, help_text="every field error, when the request had several")


class RegistryErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# ------------------------------------------------------------------------------------------------------- people


class PersonSerializer(serializers.ModelSerializer):
    """One person, masked for the caller (registry.selectors.present has prepared the row)."""

    name = serializers.CharField(source="shown_name", read_only=True,
                                 help_text="the full name, or 张* for roles that see masked names")
    id_number = serializers.CharField(source="masked_id", read_only=True,
                                      help_text="masked: **************1234 (reveal for the clear value)")
    phone = serializers.CharField(source="masked_phone", read_only=True,
                                  help_text="masked: 138****5678 (reveal for the clear value)")
    birth_year = serializers.IntegerField(read_only=True, allow_null=True)
    sex_display = serializers.CharField(source="get_sex_display", read_only=True)
    residence_type_display = serializers.CharField(source="get_residence_type_display", read_only=True)
    house_address = serializers.SerializerMethodField()
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.SerializerMethodField()
    tags = serializers.ListField(source="visible_tags", child=serializers.CharField(), read_only=True,
                                 help_text="special-population tags the caller's role may see")

    class Meta:
        model = Person
        fields = ["id", "name", "sex", "sex_display", "birth_year", "id_number", "phone", "residence_type",
                  "residence_type_display", "house", "house_address", "grid", "grid_name", "permit_expires_on",
                  "tags"]
        read_only_fields = fields

    def get_house_address(self, obj) -> str:
        return obj.house.address if obj.house_id else ""

    def get_grid_name(self, obj) -> str:
        return obj.grid.name if obj.grid_id else ""


class PersonMoveSerializer(serializers.ModelSerializer):
    from_house_address = serializers.SerializerMethodField()
    to_house_address = serializers.SerializerMethodField()

    class Meta:
        model = PersonMove
        fields = ["moved_at", "from_house", "from_house_address", "to_house", "to_house_address", "source"]
        read_only_fields = fields

    def get_from_house_address(self, obj) -> str:
        return obj.from_house.address if obj.from_house_id else ""

    def get_to_house_address(self, obj) -> str:
        return obj.to_house.address if obj.to_house_id else ""


class PersonDetailSerializer(PersonSerializer):
    household_address = serializers.SerializerMethodField(
        help_text="the household registration address; null for roles that see masked names")
    moves = serializers.SerializerMethodField()
    created_by_import = serializers.PrimaryKeyRelatedField(source="created_by_job", read_only=True,
                                                           help_text="the import that created the record")

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "household_address", "arrival_date", "registered_on", "moves",
                  "created_by_import", "created_at", "updated_at"]
        read_only_fields = fields

    def get_household_address(self, obj) -> str | None:
        return obj.household_address if self.context.get("full_names") else None

    def get_moves(self, obj) -> list[dict]:
        return PersonMoveSerializer(self.context.get("moves", []), many=True).data


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"], help_text="the personal field to show in the clear")
    reason = serializers.CharField(min_length=4, max_length=200,
                                   help_text="why you need it; kept in the audit log with your name")


class RevealedSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField(help_text="the clear value (do not store it)")


class LookupSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=24, help_text="a whole identity number (sent in the body, never in "
                                                               "a URL; compared by its keyed hash, not kept)")


class LookupResultSerializer(serializers.Serializer):
    results = PersonSerializer(many=True, help_text="the person with this number in the caller's scope, or none")


# ------------------------------------------------------------------------------------------- houses and others


class HouseSerializer(serializers.ModelSerializer):
    use_display = serializers.CharField(source="get_use_display", read_only=True)
    occupancy_display = serializers.CharField(source="get_occupancy_display", read_only=True)
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.SerializerMethodField()

    class Meta:
        model = House
        fields = ["id", "address", "building", "unit", "room", "use", "use_display", "occupancy", "occupancy_display",
                  "lon", "lat", "grid", "grid_name"]
        read_only_fields = fields

    def get_grid_name(self, obj) -> str:
        return obj.grid.name if obj.grid_id else ""


class OrganisationSerializer(serializers.ModelSerializer):
    contact_phone = serializers.CharField(source="masked_phone", read_only=True, help_text="masked: 138****5678")
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = ["id", "credit_code", "name", "kind", "address", "legal_representative", "contact_phone", "grid",
                  "grid_name"]
        read_only_fields = fields

    def get_grid_name(self, obj) -> str:
        return obj.grid.name if obj.grid_id else ""


@extend_schema_field({"type": "string", "readOnly": True,
                     "description": "the component's state: " + ", ".join(Component.Status.values)
                     + " (a plain string: an enum here would take the name StatusEnum from the cases' status)"})
class ComponentStatusField(serializers.CharField):
    pass


class ComponentSerializer(serializers.ModelSerializer):
    status = ComponentStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    owner_department = serializers.SerializerMethodField()
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.SerializerMethodField()

    class Meta:
        model = Component
        fields = ["id", "code", "class_code", "name", "status", "status_display", "lon", "lat", "owner_department",
                  "grid", "grid_name"]
        read_only_fields = fields

    def get_owner_department(self, obj) -> str:
        return obj.owner_department.name if obj.owner_department_id else ""

    def get_grid_name(self, obj) -> str:
        return obj.grid.name if obj.grid_id else ""
