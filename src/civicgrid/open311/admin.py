from django.contrib import admin, messages
from django.utils.translation import gettext as _

from civicgrid.open311 import services
from civicgrid.open311.models import ApiKey, Submission


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Adding a key shows it once, in the confirmation message; afterwards only its first characters are known."""

    list_display = ["name", "prefix", "is_active", "created_at", "created_by", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]
    list_select_related = ["created_by"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at"]

    def get_fields(self, request, obj=None):
        return ["name"] if obj is None else ["name", "is_active", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["name", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if not change:
            _key, raw = services.create_key(obj.name, actor=request.user, source="admin", instance=obj)
            self.message_user(request, _("The new key for %(name)s is %(key)s — copy it now: it is not stored and "
                                         "cannot be shown again.") % {"name": obj.name, "key": raw},
                              messages.WARNING)
        elif "is_active" in form.changed_data:
            services.set_key_active(obj, obj.is_active, actor=request.user, source="admin")

    def has_delete_permission(self, request, obj=None):
        return False  # switch a key off instead: the cases it sent keep pointing at it


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["submitted_at", "case", "api_key"]
    list_filter = ["api_key"]
    search_fields = ["case__ticket_no", "api_key__name", "api_key__prefix"]
    list_select_related = ["case", "api_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
