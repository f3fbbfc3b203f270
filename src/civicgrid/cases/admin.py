"""The cases app in the administration site: reference data edited through the services (with history),
cases and their timelines read-only (a case changes only through the loop's steps)."""

from django.contrib import admin, messages

from civicgrid.cases.calendar import set_day
from civicgrid.cases.models import Case, CaseEvent, Category, ResponsibilityItem, Supervision, WorkCalendarDay
from civicgrid.cases.responsibility import upsert_responsibility_item
from civicgrid.cases.selectors import cases_for
from civicgrid.cases.taxonomy import CategoryError, upsert_category
from civicgrid.core.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "description"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        try:
            category, _outcome = upsert_category(
                code=obj.code, name=obj.name, kind=obj.kind, parent=obj.parent, description=obj.description,
                sort_order=obj.sort_order, is_active=obj.is_active, actor=request.user, source="admin")
        except CategoryError as error:
            messages.error(request, str(error))
            return
        obj.pk = category.pk

    def has_delete_permission(self, request, obj=None):
        return False  # retire a category with "in use" off: cases keep pointing at it


@admin.register(ResponsibilityItem)
class ResponsibilityItemAdmin(admin.ModelAdmin):
    list_display = ["category", "region", "department", "clock", "accept_minutes", "handle_minutes", "is_active"]
    list_filter = ["clock", "is_active", "department"]
    search_fields = ["category__code", "category__name", "department__name", "handling_standard"]
    list_select_related = ["category", "category__parent", "region", "department"]
    autocomplete_fields = ["category", "region", "department"]

    def save_model(self, request, obj, form, change):
        item, _outcome = upsert_responsibility_item(
            category=obj.category, region=obj.region, department=obj.department,
            handling_standard=obj.handling_standard, clock=obj.clock, accept_minutes=obj.accept_minutes,
            dispatch_minutes=obj.dispatch_minutes, handle_minutes=obj.handle_minutes,
            verify_minutes=obj.verify_minutes, close_minutes=obj.close_minutes, is_active=obj.is_active,
            actor=request.user, source="admin")
        obj.pk = item.pk

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        row, _created = set_day(obj.date, is_workday=obj.is_workday, name=obj.name, source="admin", actor=request.user)
        obj.pk = row.pk


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["at", "action", "from_status", "to_status", "actor", "actor_role", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["ticket_no", "title", "channel", "status", "category", "department", "warning_level",
                    "reported_at"]
    list_filter = ["status", "channel", "warning_level", "supervised", "category__kind"]
    search_fields = ["ticket_no", "title", "address", "external_ticket_id"]
    list_select_related = ["category", "category__parent", "department"]
    date_hierarchy = "reported_at"
    exclude = ["contact_phone_encrypted", "contact_phone_hash", "idempotency_key"]
    inlines = [CaseEventInline]

    def get_queryset(self, request):
        return cases_for(request.user)


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ["case", "level", "raised_at", "due_at", "resolved_at"]
    list_filter = ["level"]
    search_fields = ["case__ticket_no", "reason"]
    list_select_related = ["case"]
