"""Base data in the administration site: read-only lists, scoped, personal data masked (edits go through imports
and the registry pages, which use the services)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin import ReadOnlyAdmin
from civicgrid.people.scoping import restrict
from civicgrid.registry.models import Component, House, ImportJob, Organisation, Person
from civicgrid.registry.selectors import masked_id_number


class ScopedReadOnlyAdmin(ReadOnlyAdmin):
    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user)


@admin.register(House)
class HouseAdmin(ScopedReadOnlyAdmin):
    list_display = ["address", "building", "unit", "room", "use", "occupancy", "grid"]
    list_filter = ["use", "occupancy"]
    search_fields = ["address", "building"]
    list_select_related = ["grid"]


@admin.register(Person)
class PersonAdmin(ScopedReadOnlyAdmin):
    list_display = ["__str__", "masked_id", "sex", "birth_date", "residence_type", "house"]
    list_filter = ["residence_type", "sex"]
    search_fields = ["house__address"]
    list_select_related = ["house"]
    exclude = ["name", "id_number_hash", "id_number_encrypted", "phone_hash", "phone_encrypted", "tags_encrypted",
               "tags_hash"]

    @admin.display(description=_("identity number"))
    def masked_id(self, obj):
        return masked_id_number(obj)


@admin.register(Organisation)
class OrganisationAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "credit_code", "kind", "address", "grid"]
    search_fields = ["name", "credit_code", "address"]
    list_filter = ["kind"]
    list_select_related = ["grid"]
    exclude = ["contact_phone_encrypted"]


@admin.register(Component)
class ComponentAdmin(ScopedReadOnlyAdmin):
    list_display = ["code", "name", "class_code", "status", "owner_department", "grid"]
    list_filter = ["status", "class_code"]
    search_fields = ["code", "name"]
    list_select_related = ["owner_department", "grid"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Every import, by anyone: what came in, from which file (with its SHA-256), when, by whom, with what result."""

    list_display = ["id", "file_name", "kind", "status", "actor", "created_count", "updated_count",
                    "unchanged_count", "error_count", "created_at"]
    list_filter = ["kind", "status", "dry_run", "sync"]
    search_fields = ["file_name", "file_sha256", "actor__username"]
    list_select_related = ["actor"]
    exclude = ["stored_path"]
