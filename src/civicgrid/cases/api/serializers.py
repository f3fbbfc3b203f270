"""What the cases API reads and writes. Responses come from cases and their selectors; requests are one serializer
per workflow verb, so that the OpenAPI schema documents each action's body (DESIGN.md rule 6)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from civicgrid.cases import selectors
from civicgrid.cases.models import OPEN_STATUSES, Case, CaseEvent, Category, Channel, ExtensionRequest
from civicgrid.cases.services import allowed_actions
from civicgrid.core.crypto import mask_name
from civicgrid.people.models import Role

# The roles that call people back: they see the contact's full name (the phone stays masked for everyone).
SEES_CONTACT_NAME = frozenset({Role.HOTLINE_OPERATOR, Role.DISPATCHER})


class RequiredBooleanField(serializers.BooleanField):
    """A yes/no the client must give, in JSON and in forms alike (DRF reads a missing form checkbox as false)."""

    default_empty_html = empty


def verb(action: str) -> str:
    """A service action's name as the URL says it: request_extension -> request-extension."""
    return action.replace("_", "-")


# ------------------------------------------------------------------------------------------------------ errors


class CaseFieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="the request field (or rule) that is wrong")
    detail = serializers.CharField(help_text="what is wrong with it")
    errors = serializers.DictField(required=False, help_text="every field error, when the request body had several")


class CaseErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class CaseConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["conflict", "invalid_transition"])
    status = serializers.CharField(required=False, help_text="the case's status now")
    version = serializers.IntegerField(required=False, help_text="the case's version now: reload, then retry")


# ------------------------------------------------------------------------------------------------------ reads


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name", "kind", "kind_display", "parent", "description", "sort_order"]


class CaseSerializer(serializers.ModelSerializer):
    """One row of a list: what `selectors.queue_for` joins in, nothing that needs another query."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.SerializerMethodField()
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department_name = serializers.SerializerMethodField()
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["ticket_no", "title", "status", "status_display", "channel", "channel_display", "category",
                  "category_name", "department", "department_name", "grid", "grid_name", "address", "lon", "lat",
                  "reported_at", "stage_started_at", "stage_due_at", "warning_level", "overdue", "supervised",
                  "version", "updated_at"]
        read_only_fields = fields

    def get_category_name(self, obj) -> str | None:
        return str(obj.category) if obj.category_id else None

    def get_department_name(self, obj) -> str | None:
        return obj.department.name if obj.department_id else None

    def get_grid_name(self, obj) -> str | None:
        return (obj.grid.full_name or obj.grid.name) if obj.grid_id else None

    def get_overdue(self, obj) -> bool:
        return obj.status in OPEN_STATUSES and obj.stage_due_at is not None and obj.stage_due_at < timezone.now()


class CaseAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    original_name = serializers.CharField()


class CaseTimelineEntrySerializer(serializers.ModelSerializer):
    from_status = serializers.CharField(read_only=True, help_text="a case status, or empty for the report itself")
    to_status = serializers.CharField(read_only=True, help_text="a case status")
    actor = serializers.SerializerMethodField()
    attachments = CaseAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["action", "from_status", "to_status", "actor", "actor_role", "at", "note", "data", "attachments"]
        read_only_fields = fields

    def get_actor(self, obj) -> str | None:
        return (obj.actor.display_name or obj.actor.username) if obj.actor_id and obj.actor else None


class CasePendingExtensionSerializer(serializers.Serializer):
    extra_minutes = serializers.IntegerField()
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()


class CaseDetailSerializer(CaseSerializer):
    """One case as its page shows it: the timeline, the actions the caller may take now, the contact masked."""

    description = serializers.CharField(read_only=True)
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField(help_text="masked (138****5678); never revealed by the API")
    merged_into = serializers.SlugRelatedField(slug_field="ticket_no", read_only=True)
    handling_standard = serializers.SerializerMethodField()
    pending_extension = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(
        help_text="the verbs the caller may POST now, as they appear in the URL (/api/cases/{ticket_no}/{verb}/)")
    timeline = serializers.SerializerMethodField()
    component = serializers.SlugRelatedField(slug_field="code", read_only=True,
                                             help_text="code of the city component the case is about, if any")
    house = serializers.SlugRelatedField(slug_field="address", read_only=True,
                                         help_text="address of the house the case is about, if any")

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "external_ticket_id", "description", "anonymous", "contact_name",
                  "contact_phone", "merged_into", "handling_standard", "rework_count", "reopen_count",
                  "return_count", "satisfaction", "resolved", "closed_at", "pending_extension", "allowed_actions",
                  "timeline", "component", "house"]
        read_only_fields = fields

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_contact_name(self, obj) -> str:
        user = self._user()
        if getattr(user, "role", None) in SEES_CONTACT_NAME or (user is not None and obj.reporter_id == user.pk):
            return obj.contact_name
        return mask_name(obj.contact_name)

    def get_contact_phone(self, obj) -> str:
        return selectors.contact_phone(obj)

    def get_handling_standard(self, obj) -> str:
        item = obj.responsibility_item
        return item.handling_standard if item else ""

    @extend_schema_field(CasePendingExtensionSerializer(allow_null=True))
    def get_pending_extension(self, obj):
        pending = obj.extension_requests.filter(decision=ExtensionRequest.Decision.PENDING).order_by("-requested_at").first()
        return CasePendingExtensionSerializer(pending).data if pending else None

    def get_allowed_actions(self, obj) -> list[str]:
        return [verb(a) for a in allowed_actions(obj, self._user())]

    @extend_schema_field(CaseTimelineEntrySerializer(many=True))
    def get_timeline(self, obj):
        return CaseTimelineEntrySerializer(selectors.timeline(obj), many=True).data


class CaseMergeManyResultSerializer(serializers.Serializer):
    into = serializers.CharField(help_text="ticket number of the case the others joined")
    merged = CaseSerializer(many=True)


# ------------------------------------------------------------------------------------------------------ writes


class Versioned(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1,
        help_text="the case's version the client last saw; if someone changed the case since, the answer is 409")


class CaseReportSerializer(serializers.Serializer):
    """Intake (POST /api/cases/). Send multipart/form-data to attach photos."""

    title = serializers.CharField(max_length=120, trim_whitespace=False)
    description = serializers.CharField(max_length=5000, trim_whitespace=False)
    category = serializers.CharField(required=False, allow_blank=True, help_text="category code (GET /api/categories/)")
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02", "bd09"], default="wgs84",
                                  help_text="coordinate system of lon/lat (Chinese map SDKs give gcj02 or bd09)")
    region = serializers.CharField(required=False, allow_blank=True,
                                   help_text="region code, when there is no point (a hotline call about a street)")
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    anonymous = serializers.BooleanField(required=False, default=False)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=40)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False,
                                      help_text="staff only; a resident's reports are always 'api'")
    external_ticket_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class CaseNoteSerializer(Versioned):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CaseReasonSerializer(Versioned):
    reason = serializers.CharField(help_text="required; told to the next person in the loop")


class CaseAcceptSerializer(CaseNoteSerializer):
    category = serializers.CharField(required=False, allow_blank=True, default="",
                                     help_text="a corrected category code (re-reads the responsibility list)")


class CaseMergeSerializer(CaseNoteSerializer):
    into = serializers.CharField(help_text="ticket number of the case this one repeats")


class CaseMergeManySerializer(serializers.Serializer):
    tickets = serializers.ListField(child=serializers.CharField(), min_length=1, max_length=200,
                                    help_text="ticket numbers of the duplicates")
    into = serializers.CharField(help_text="ticket number of the case they repeat")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    versions = serializers.DictField(child=serializers.IntegerField(min_value=1), required=False, default=dict,
                                     help_text="optional {ticket: version last seen}; any stale one: 409, none merged")


class CaseDispatchSerializer(CaseNoteSerializer):
    department = serializers.CharField(required=False, allow_blank=True, default="",
                                       help_text="department code; default: the one the responsibility list names")


class CaseRequestExtensionSerializer(CaseReasonSerializer):
    extra_minutes = serializers.IntegerField(help_text="extra time asked for, in minutes (at most 60 days)")


class CaseDecideExtensionSerializer(CaseNoteSerializer):
    grant = RequiredBooleanField(help_text="true grants the pending request, false refuses it")


class CaseHandleSerializer(Versioned):
    result = serializers.CharField(help_text="what was done (处置反馈)")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class CaseVerifySerializer(CaseNoteSerializer):
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    lon = serializers.FloatField(required=False, allow_null=True, help_text="where the verifier stood (WGS-84)")
    lat = serializers.FloatField(required=False, allow_null=True)


class CaseFailVerificationSerializer(CaseReasonSerializer):
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)


class CaseSuperviseSerializer(CaseReasonSerializer):
    """The level follows the caller's role: a leader's supervision is the leader's, anyone else's the centre's."""

    due_minutes = serializers.IntegerField(required=False, default=1440, min_value=1,
                                           help_text="the supervision's own time limit, on the case's clock")


class CaseEvaluateSerializer(CaseNoteSerializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    resolved = RequiredBooleanField()
    by_callback = serializers.BooleanField(required=False, default=False,
                                           help_text="true when an operator phoned the resident (回访)")
