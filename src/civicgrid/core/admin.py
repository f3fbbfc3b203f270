from django.contrib import admin

from civicgrid.core.models import AuditEntry, ChangeRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """History and audit rows are never edited or deleted, not even by a superuser."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "model_label", "object_repr", "action", "actor", "source"]
    list_filter = ["model_label", "action"]
    search_fields = ["object_repr", "object_id", "source"]
    date_hierarchy = "at"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "actor_name", "ip_address", "target"]
    list_filter = ["action"]
    search_fields = ["actor_name", "target", "ip_address"]
    date_hierarchy = "at"
