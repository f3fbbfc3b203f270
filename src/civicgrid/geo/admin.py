from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Region
from civicgrid.geo.services import upsert_region
from civicgrid.people.scoping import restrict


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "grid_kind", "parent", "area_display", "updated_at"]
    list_filter = ["level", "grid_kind"]
    search_fields = ["code", "name", "full_name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth", "centroid_lon", "centroid_lat", "area_m2", "created_at", "updated_at"]
    fields = ["code", "name", "full_name", "level", "grid_kind", "parent", "attributes", *readonly_fields]
    list_per_page = 100

    @admin.display(description=_("area (km²)"), ordering="area_m2")
    def area_display(self, obj):
        return f"{obj.area_m2 / 1e6:.3f}" if obj.area_m2 else "—"

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user)

    def save_model(self, request, obj, form, change):
        # Through the service: path, history and the point -> grid index stay right.
        result = upsert_region(
            code=obj.code, name=obj.name, level=obj.level, parent=obj.parent, keep_geometry=True,
            grid_kind=obj.grid_kind, full_name=obj.full_name, attributes=obj.attributes,
            actor=request.user, source="admin",
        )
        obj.pk = result.region.pk

    def has_delete_permission(self, request, obj=None):
        return False
