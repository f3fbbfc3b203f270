from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import AuditEntry
from civicgrid.core.services import write_audit
from civicgrid.core.signals import client_address
from civicgrid.people.models import Department, ScopeGrant, TotpDevice, User
from civicgrid.people.services import reset_totp, save_department, save_user, set_scope


class ScopeGrantInline(admin.TabularInline):
    model = ScopeGrant
    fk_name = "user"
    autocomplete_fields = ["region"]
    readonly_fields = ["granted_by", "granted_at"]
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "department", "is_active", "last_login"]
    list_filter = ["role", "is_active", "department__kind", "department"]
    search_fields = ["username", "display_name", "email"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]
    inlines = [ScopeGrantInline]
    actions = ["reset_second_factor"]
    readonly_fields = ["second_factor"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("display_name", "email", "role", "department")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "second_factor")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )

    def user_change_password(self, request, id, form_url=""):
        """A security administrator sets a password (the last five are refused by the validator): audited."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = User.objects.filter(pk=id).values_list("username", flat=True).first()
            write_audit(AuditEntry.Action.PASSWORD_CHANGE, actor=request.user, ip_address=client_address(request),
                        target=f"user:{target}", detail={"source": "admin"})
        return response

    @admin.display(description=_("second factor"))
    def second_factor(self, obj):
        device = TotpDevice.objects.filter(user=obj, confirmed_at__isnull=False).first() if obj.pk else None
        if device is None:
            return gettext("not set up")
        return gettext("set up %(when)s") % {"when": timezone.localtime(device.confirmed_at).strftime("%Y-%m-%d %H:%M")}

    @admin.action(description=_("Reset the second factor (lost phone): set up again at next sign-in"),
                  permissions=["change"])
    def reset_second_factor(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                done += reset_totp(user, actor=request.user, reason="admin action", source="admin",
                                   ip_address=client_address(request))
            except PermissionDenied as exc:
                self.message_user(request, f"{user.username}: {exc}", messages.ERROR)
        self.message_user(request, gettext("Second factor reset for %(n)d user(s): they set it up again at their next "
                                           "sign-in.") % {"n": done}, messages.SUCCESS)
    def save_model(self, request, obj, form, change):
        save_user(obj, actor=request.user, source="admin", force=True)

    def save_formset(self, request, form, formset, change):
        if formset.model is ScopeGrant:
            regions = [f.cleaned_data["region"] for f in formset.forms
                       if f.cleaned_data.get("region") and not f.cleaned_data.get("DELETE")]
            set_scope(form.instance, regions, actor=request.user, source="admin")
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # for the admin's log
            return
        super().save_formset(request, form, formset, change)

    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "display_name", "role", "department", "password1", "password2")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]

    def save_model(self, request, obj, form, change):
        save_department(obj, actor=request.user, source="admin")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScopeGrant)
class ScopeGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "granted_by", "granted_at"]
    list_filter = ["user__role", "region__level"]
    search_fields = ["user__username", "user__display_name", "region__code", "region__name"]
    autocomplete_fields = ["user", "region"]
    list_select_related = ["user", "region", "granted_by"]
    # Scopes are edited on the user's page, through civicgrid.people.services.set_scope (audited).

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
