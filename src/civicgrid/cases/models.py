"""Cases and their closed loop: intake from every channel, the responsibility list, timeline, supervision.

The loop (DESIGN.md, 六步闭环):
    reported -> accepted -> dispatched -> in handling -> handled -> verified -> closed -> evaluated
with side states rejected, merged and suspended. Every change of state is one service function
(civicgrid.cases.services) that writes one immutable CaseEvent in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Region
from civicgrid.people.models import Department


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("hotline")
    WEB = "web", _("web page")
    APP = "app", _("mobile app")
    WECHAT = "wechat", _("WeChat")
    GRID_WORKER = "grid_worker", _("grid worker")
    WINDOW = "window", _("service window")
    DEPUTIES_STUDIO = "deputies_studio", _("deputies' studio")
    DELIBERATION = "deliberation", _("deliberation meeting")
    UPPER_PLATFORM = "upper_platform", _("upper-level platform")
    EMAIL = "email", _("e-mail")
    API = "api", _("REST API")
    OPEN311 = "open311", _("Open311")
    BULK_FILE = "bulk_file", _("bulk file")


class Status(models.TextChoices):
    REPORTED = "reported", _("reported")
    ACCEPTED = "accepted", _("accepted")
    DISPATCHED = "dispatched", _("dispatched")
    IN_HANDLING = "in_handling", _("in handling")
    HANDLED = "handled", _("handled")
    VERIFIED = "verified", _("verified")
    CLOSED = "closed", _("closed")
    EVALUATED = "evaluated", _("evaluated")
    REJECTED = "rejected", _("rejected")
    MERGED = "merged", _("merged")
    SUSPENDED = "suspended", _("suspended")


OPEN_STATUSES = (Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_HANDLING, Status.HANDLED,
                 Status.VERIFIED, Status.SUSPENDED)
FINAL_STATUSES = (Status.CLOSED, Status.EVALUATED, Status.REJECTED, Status.MERGED)


class Clock(models.TextChoices):
    NATURAL = "natural", _("around the clock (24×7)")
    WORKDAYS = "workdays", _("Chinese working days")


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("city component (部件)")
    EVENT = "event", _("event (事件)")
    REQUEST = "request", _("request type (12345)")


class Category(models.Model):
    """A node of the two-level (or deeper) taxonomy: GB/T 30428 components and events, 12345 request types."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=CategoryKind.choices)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["kind", "sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name}/{self.name}" if self.parent_id and self.parent else self.name


class WorkCalendarDay(models.Model):
    """An official holiday (is_workday False) or make-up working day (True) of the State Council's calendar.

    Seeded from the chinese-calendar package for the years it knows; an administrator adds the coming year's days.
    Days not listed follow the plain week: Monday to Friday work, Saturday and Sunday rest.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("holiday"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=40, default="chinese-calendar")

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class ResponsibilityItem(models.Model):
    """责任清单事项: for a category (and optionally a region) who handles it, how, and in what time."""

    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="responsibility_items")
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text=_("empty: the whole district"))
    department = models.ForeignKey(Department, verbose_name=_("responsible department"), on_delete=models.PROTECT,
                                   related_name="responsibility_items")
    handling_standard = models.TextField(_("handling standard"), blank=True)
    clock = models.CharField(_("time counted"), max_length=10, choices=Clock.choices, default=Clock.WORKDAYS)
    accept_minutes = models.PositiveIntegerField(_("time to accept (minutes)"), default=120)
    dispatch_minutes = models.PositiveIntegerField(_("time to dispatch (minutes)"), default=240)
    handle_minutes = models.PositiveIntegerField(_("time to handle (minutes)"), default=5 * 1440)
    verify_minutes = models.PositiveIntegerField(_("time to verify (minutes)"), default=1440)
    close_minutes = models.PositiveIntegerField(_("time to close (minutes)"), default=1440)
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("responsibility item")
        verbose_name_plural = _("responsibility list")
        ordering = ["category__code", "region__path"]
        constraints = [models.UniqueConstraint(fields=["category", "region"], name="one_item_per_category_region"),
                       models.UniqueConstraint(fields=["category"], condition=models.Q(region__isnull=True),
                                               name="one_district_item_per_category")]

    def __str__(self) -> str:
        return f"{self.category} → {self.department}"


class Case(models.Model):
    ticket_no = models.CharField(_("ticket number"), max_length=24, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, db_index=True)
    external_ticket_id = models.CharField(_("upper-level ticket id"), max_length=64, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reporter"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="reported_cases")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_name = models.CharField(_("contact name"), max_length=40, blank=True)
    contact_phone_encrypted = models.CharField(max_length=200, blank=True, editable=False)
    contact_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="cases")
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # the base-data record the case is about, where there is one (a broken street light, a building's leaking roof)
    component = models.ForeignKey("registry.Component", verbose_name=_("city component"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="cases")
    house = models.ForeignKey("registry.House", verbose_name=_("house"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="cases")
    grid = models.ForeignKey(Region, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="cases")
    region_path = models.CharField(max_length=400, blank=True, db_index=True, editable=False,
                                   help_text="path of the grid (or the district) the case lies in, for scoping")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REPORTED,
                              db_index=True)
    status_before_suspension = models.CharField(max_length=16, choices=Status.choices, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    department = models.ForeignKey(Department, verbose_name=_("responsible department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="cases")
    responsibility_item = models.ForeignKey(ResponsibilityItem, null=True, blank=True, on_delete=models.SET_NULL,
                                            related_name="+", editable=False)
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged_cases")
    stage_started_at = models.DateTimeField(_("stage started"), null=True, blank=True)
    stage_due_at = models.DateTimeField(_("stage due"), null=True, blank=True, db_index=True)
    stage_warn_at = models.DateTimeField(_("yellow warning from"), null=True, blank=True, db_index=True,
                                         editable=False)
    warning_level = models.CharField(_("warning"), max_length=8, blank=True, default="",
                                     choices=[("", _("on time")), ("yellow", _("yellow")), ("red", _("overdue"))])
    ever_overdue = models.BooleanField(_("was overdue"), default=False)
    supervised = models.BooleanField(_("under supervision"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("reworks"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    resolved = models.BooleanField(_("resolved (resident's view)"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at", "-id"]
        indexes = [
            # the queue's order is (-reported_at, -id): both in the index, so a page is read straight off it
            models.Index(fields=["status", "-reported_at", "-id"], name="case_status_recent"),
            models.Index(fields=["-reported_at", "-id"], name="case_recent"),
            # counts of a status within a scope are read off this index alone
            models.Index(fields=["status", "region_path"], name="case_status_region"),
            models.Index(fields=["department", "status"], name="case_department_status"),
            models.Index(fields=["region_path", "-reported_at", "-id"], name="case_region_recent"),
            models.Index(fields=["contact_phone_hash", "-reported_at"], name="case_caller_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_no} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseEvent(models.Model):
    """One immutable timeline entry: who did what, when, from which state to which."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_role = models.CharField(_("role"), max_length=24, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_timeline")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_status}→{self.to_status}"


class Attachment(models.Model):
    """A photo or document of a case, checked by content and stored outside the code tree."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name or self.file.name


class Supervision(models.Model):
    """督办: escalation of a late or disputed case, with its own deadline."""

    class Level(models.TextChoices):
        AUTO = "auto", _("automatic (overdue)")
        CENTRE = "centre", _("linkage centre")
        LEADER = "leader", _("leader")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="supervisions")
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    raised_at = models.DateTimeField(_("raised"))
    due_at = models.DateTimeField(_("due"))
    reason = models.TextField(_("reason"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.level} {self.raised_at:%Y-%m-%d}"


class ExtensionRequest(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("pending")
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="extension_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    extra_minutes = models.PositiveIntegerField(_("extra time (minutes)"))
    reason = models.TextField(_("reason"))
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.extra_minutes}min {self.decision}"


class TicketCounter(models.Model):
    """Per-day sequence for human-readable ticket numbers (locked row, so numbers never repeat)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket counter")

    def __str__(self) -> str:
        return f"{self.day} {self.last}"
