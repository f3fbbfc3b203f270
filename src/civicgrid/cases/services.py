"""Every change to a case goes through here: intake from any channel, and one function per step of the loop.

Each transition checks the actor's role, scope and the case's current state, moves the case with a conditional
UPDATE (WHERE id = … AND status = … AND version = …) that must hit exactly one row, writes one immutable timeline
entry and recomputes the stage deadline — all in one transaction. Zero rows updated means somebody else acted
first: Conflict. Notifications and other reactions run after commit (the `case_changed` signal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from civicgrid.cases import calendar
from civicgrid.cases.attachments import as_django_file, check_upload
from civicgrid.cases.clock import now as _now
from civicgrid.cases.errors import CaseInputError, CaseNotFound, Conflict, InvalidTransition, NotPermitted
from civicgrid.cases.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Attachment,
    Case,
    CaseEvent,
    Category,
    Channel,
    Clock,
    ExtensionRequest,
    ResponsibilityItem,
    Status,
    Supervision,
    TicketCounter,
)
from civicgrid.cases.selectors import can_see
from civicgrid.core.crypto import encrypt, lookup_hash
from civicgrid.geo.coords import many_to_wgs84
from civicgrid.geo.models import Region
from civicgrid.geo.selectors import home_region, locate_point, locate_points
from civicgrid.people.models import Department, Role
from civicgrid.people.scoping import DataScope

# Sent after commit: sender=Case, case=…, action=…, actor=…  (notifications, classification, duplicates subscribe)
case_changed = Signal()

S = Status
R = Role
CENTRE = frozenset({R.DISPATCHER})
INTAKE = frozenset({R.DISPATCHER, R.HOTLINE_OPERATOR})
HANDLERS = frozenset({R.DEPARTMENT_HANDLER})
VERIFIERS = frozenset({R.GRID_WORKER, R.DISPATCHER, R.COMMUNITY_STAFF})
SUPERVISORS = frozenset({R.DISPATCHER, R.LEADER})
CALLBACK = frozenset({R.HOTLINE_OPERATOR, R.DISPATCHER})

# Limits used when no responsibility item covers the category (minutes, Chinese working days).
DEFAULT_LIMITS = {"accept": 120, "dispatch": 240, "handle": 5 * 1440, "verify": 1440, "close": 1440}


# ---------------------------------------------------------------------------------------------------------- intake


def _next_ticket_no(day) -> str:
    """PREFIX + yyyymmdd + 5-digit sequence of that day, from a locked counter row (never repeats)."""
    prefix = getattr(settings, "CASE_TICKET_PREFIX", "CG")
    with transaction.atomic():
        counter = TicketCounter.objects.select_for_update().filter(day=day).first()
        if counter is None:
            try:
                with transaction.atomic():
                    counter = TicketCounter.objects.create(day=day, last=0)
            except IntegrityError:
                pass
            counter = TicketCounter.objects.select_for_update().get(day=day)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{prefix}{day:%Y%m%d}{counter.last:05d}"


def responsibility_for(category: Category | None, region_path: str) -> ResponsibilityItem | None:
    """The item of the category for the deepest region containing the case, else the district-wide one."""
    if category is None:
        return None
    items = [i for i in ResponsibilityItem.objects.filter(category=category, is_active=True).select_related("region")
             if i.region is None or region_path.startswith(i.region.path)]
    if not items:
        return None
    return max(items, key=lambda i: len(i.region.path) if i.region else 0)


def _limit(item: ResponsibilityItem | None, stage: str) -> tuple[int, str]:
    if item is None:
        return DEFAULT_LIMITS[stage], Clock.WORKDAYS
    return getattr(item, f"{stage}_minutes"), item.clock


def _deadline(item, stage: str | None, start: datetime) -> datetime | None:
    if stage is None:
        return None
    minutes, clock = _limit(item, stage)
    return calendar.add_minutes(start, minutes, clock).due


def warning_share() -> float:
    """The share of a stage's time after which a case turns yellow (settings.CASE_WARNING_SHARE, default 0.8)."""
    return float(getattr(settings, "CASE_WARNING_SHARE", 0.8))


def _warn_at(item, start: datetime | None, due: datetime | None, stage: str | None) -> datetime | None:
    """When the yellow warning starts: the configured share of the stage's time (on its clock) after it started."""
    if start is None or due is None:
        return None
    _minutes, clock = _limit(item, stage or "handle")
    total = calendar.elapsed_minutes(start, due, clock)
    return calendar.add_minutes(start, max(total, 0) * warning_share(), clock).due


def _clean_text(value: str, field: str, *, required: bool, max_length: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CaseInputError(field, "is required")
    if len(value) > max_length:
        raise CaseInputError(field, f"is {len(value)} characters long; at most {max_length}")
    return value


def _check_phone(phone: str) -> str:
    phone = "".join((phone or "").split()).replace("-", "")
    if phone and not (phone.lstrip("+").isdigit() and 5 <= len(phone) <= 16):
        raise CaseInputError("contact_phone", f"{phone!r} is not a phone number")
    return phone


@dataclass(frozen=True)
class Location:
    grid: Region | None
    region_path: str
    lon: float | None
    lat: float | None


def _place(lon, lat, crs: str, region: Region | None) -> Location:
    if lon is not None or lat is not None:
        if lon is None or lat is None:
            raise CaseInputError("location", "give both longitude and latitude")
        try:
            lon, lat = float(lon), float(lat)
        except (TypeError, ValueError):
            raise CaseInputError("location", f"{lon}, {lat} is not a pair of numbers") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise CaseInputError("location", f"{lon}, {lat} is not a longitude/latitude")
        placement = locate_point(lon, lat, crs)
        if placement.outside:
            raise CaseInputError("location", f"{placement.lon:.6f}, {placement.lat:.6f} is outside the jurisdiction: "
                                             "no grid of this district is near it")
        grid = Region.objects.get(pk=placement.grid_id)
        return Location(grid, grid.path, placement.lon, placement.lat)
    if region is not None:
        return Location(region if region.is_grid else None, region.path, None, None)
    home = home_region()
    if home is None:
        raise CaseInputError("location", "give a location: the region tree is empty")
    return Location(None, home.path, None, None)


def report_case(
    *,
    channel: str,
    title: str,
    description: str,
    category: Category | None = None,
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    region: Region | None = None,
    address: str = "",
    reporter=None,
    entered_by=None,
    anonymous: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    external_ticket_id: str = "",
    idempotency_key: str | None = None,
    photos: Iterable = (),
    reported_at: datetime | None = None,
    component=None,
    house=None,
) -> Case:
    """Take in a case from any channel. A retry with the same idempotency key returns the first case.

    A case about a city component or a house (base data) may name it; without a location of its own, the case
    takes the component's location, or the house's."""
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if channel not in Channel.values:
        raise CaseInputError("channel", f"unknown channel {channel!r}; one of {', '.join(Channel.values)}")
    title = _clean_text(title, "title", required=True, max_length=120)
    description = _clean_text(description, "description", required=True, max_length=5000)
    address = _clean_text(address, "address", required=False, max_length=200)
    contact_name = _clean_text(contact_name, "contact_name", required=False, max_length=40)
    contact_phone = _check_phone(contact_phone)
    if category is not None and not category.is_active:
        raise CaseInputError("category", f"{category} is no longer in use")
    if channel == Channel.UPPER_PLATFORM and not external_ticket_id:
        raise CaseInputError("external_ticket_id", "a case forwarded by an upper-level platform needs its ticket id")
    checked = [check_upload(p) for p in photos]
    about = component or house
    if about is not None and lon is None and region is None and about.lon is not None:
        lon, lat, crs = about.lon, about.lat, "wgs84"
        address = address or getattr(about, "address", "") or str(about)[:200]
    location = _place(lon, lat, crs, region)
    now = _now()
    reported_at = reported_at or now
    item = responsibility_for(category, location.region_path)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                ticket_no=_next_ticket_no(timezone.localtime(reported_at).date()),
                channel=channel, external_ticket_id=external_ticket_id, idempotency_key=idempotency_key or None,
                reporter=reporter if getattr(reporter, "pk", None) else None,
                entered_by=entered_by if getattr(entered_by, "pk", None) else None,
                anonymous=anonymous, contact_name="" if anonymous else contact_name,
                contact_phone_encrypted=encrypt(contact_phone), contact_phone_hash=lookup_hash(contact_phone),
                title=title, description=description, category=category, lon=location.lon, lat=location.lat,
                address=address, grid=location.grid, region_path=location.region_path, status=S.REPORTED,
                component=component, house=house,
                department=item.department if item else None, responsibility_item=item,
                stage_started_at=reported_at, stage_due_at=_deadline(item, "accept", reported_at),
                stage_warn_at=_warn_at(item, reported_at, _deadline(item, "accept", reported_at), "accept"),
                reported_at=reported_at,
            )
            actor = entered_by or reporter
            event = CaseEvent.objects.create(
                case=case, action="report", from_status="", to_status=S.REPORTED, actor=_user(actor),
                actor_role=getattr(actor, "role", ""), at=now,
                data={"channel": channel, "grid": location.grid.code if location.grid else None},
            )
            _attach(case, event, checked, actor)
            transaction.on_commit(lambda: case_changed.send(sender=Case, case=case, action="report", actor=actor))
    except IntegrityError:
        if idempotency_key:
            existing = Case.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise
    return case


@dataclass(frozen=True)
class IntakeItem:
    """One case of a bulk intake (an upper-level platform's batch, a spreadsheet, a benchmark)."""

    title: str
    description: str
    lon: float
    lat: float
    category: Category | None = None
    crs: str = "wgs84"
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    external_ticket_id: str = ""
    idempotency_key: str | None = None
    reported_at: datetime | None = None


class BulkIntakeError(CaseInputError):
    """Some items of a bulk intake were bad: `problems` lists (index, field, message); nothing was stored."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        super().__init__(problems[0][1], f"{len(problems)} bad items, the first: item {problems[0][0]}: "
                                         f"{problems[0][2]}")
        self.problems = problems


def _reserve_tickets(day, count: int) -> list[str]:
    """`count` consecutive ticket numbers of one day, reserved with one locked counter update."""
    prefix = getattr(settings, "CASE_TICKET_PREFIX", "CG")
    with transaction.atomic():
        if not TicketCounter.objects.filter(day=day).exists():
            try:
                with transaction.atomic():
                    TicketCounter.objects.create(day=day, last=0)
            except IntegrityError:
                pass
        counter = TicketCounter.objects.select_for_update().get(day=day)
        first = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
    return [f"{prefix}{day:%Y%m%d}{n:05d}" for n in range(first, first + count)]


def report_cases(items: list[IntakeItem], *, channel: str, entered_by=None) -> list[Case]:
    """Take in many located cases at once: the same checks, placement, deadlines and timeline as report_case,
    with grid placement, responsibility look-up and writes done in bulk. All or nothing: any bad item raises
    BulkIntakeError listing every problem. Items whose idempotency key is already known come back as they are."""
    if channel not in Channel.values:
        raise CaseInputError("channel", f"unknown channel {channel!r}")
    keys = [i.idempotency_key for i in items if i.idempotency_key]
    known = {c.idempotency_key: c for c in Case.objects.filter(idempotency_key__in=keys)} if keys else {}
    fresh = [(n, i) for n, i in enumerate(items) if not (i.idempotency_key and i.idempotency_key in known)]
    problems: list[tuple[int, str, str]] = []
    cleaned = []
    for n, item in fresh:
        try:
            cleaned.append((n, item, _clean_text(item.title, "title", required=True, max_length=120),
                            _clean_text(item.description, "description", required=True, max_length=5000),
                            _check_phone(item.contact_phone)))
            if item.category is not None and not item.category.is_active:
                raise CaseInputError("category", f"{item.category} is no longer in use")
        except CaseInputError as error:
            problems.append((n, error.field, error.message))
    placements = _place_many([c[1] for c in cleaned])
    grids = Region.objects.in_bulk({g for g, _ in placements if g})
    for (n, item, *_rest), (grid_id, _path) in zip(cleaned, placements, strict=True):
        if not grid_id:
            problems.append((n, "location", f"{item.lon}, {item.lat} is outside the jurisdiction"))
    if problems:
        raise BulkIntakeError(sorted(problems))
    by_category: dict[int, list[ResponsibilityItem]] = {}
    for resp in ResponsibilityItem.objects.filter(is_active=True).select_related("region", "department"):
        by_category.setdefault(resp.category_id, []).append(resp)
    now = _now()
    rows = []
    for (n, item, title, description, phone), (grid_id, path) in zip(cleaned, placements, strict=True):
        grid = grids[grid_id]
        candidates = [r for r in by_category.get(item.category.pk if item.category else -1, [])
                      if r.region is None or path.startswith(r.region.path)]
        resp = max(candidates, key=lambda r: len(r.region.path) if r.region else 0) if candidates else None
        reported_at = item.reported_at or now
        due = _deadline(resp, "accept", reported_at)
        rows.append((n, Case(
            channel=channel, external_ticket_id=item.external_ticket_id, idempotency_key=item.idempotency_key or None,
            entered_by=_user(entered_by), contact_name=item.contact_name[:40],
            contact_phone_encrypted=encrypt(phone), contact_phone_hash=lookup_hash(phone), title=title,
            description=description, category=item.category, lon=item.lon, lat=item.lat, address=item.address[:200],
            grid=grid, region_path=path, status=S.REPORTED, department=resp.department if resp else None,
            responsibility_item=resp, stage_started_at=reported_at, stage_due_at=due,
            stage_warn_at=_warn_at(resp, reported_at, due, "accept"), reported_at=reported_at)))
    with transaction.atomic():
        by_day: dict = {}
        for _n, case in rows:
            by_day.setdefault(timezone.localtime(case.reported_at).date(), []).append(case)
        for day, cases in by_day.items():
            for case, ticket in zip(cases, _reserve_tickets(day, len(cases)), strict=True):
                case.ticket_no = ticket
        created = Case.objects.bulk_create([c for _n, c in rows], batch_size=1000)
        if any(c.pk is None for c in created):  # a backend that cannot return ids
            ids = dict(Case.objects.filter(ticket_no__in=[c.ticket_no for c in created]).values_list("ticket_no", "pk"))
            for case in created:
                case.pk = ids[case.ticket_no]
        CaseEvent.objects.bulk_create(
            [CaseEvent(case=c, action="report", from_status="", to_status=S.REPORTED, actor=_user(entered_by),
                       actor_role=getattr(entered_by, "role", ""), at=now,
                       data={"channel": channel, "grid": c.grid.code}) for c in created], batch_size=1000)
        for case in created:
            transaction.on_commit(lambda case=case: case_changed.send(sender=Case, case=case, action="report",
                                                                      actor=entered_by))
    made = {n: c for (n, _), c in zip(rows, created, strict=True)}
    return [made[n] if n in made else known[items[n].idempotency_key] for n in range(len(items))]


def _place_many(items: list[IntakeItem]) -> list[tuple[int, str]]:
    """(grid id or 0, grid path) for each item, placed in bulk per coordinate system."""
    result: list[tuple[int, str]] = [(0, "")] * len(items)
    by_crs: dict[str, list[int]] = {}
    for n, item in enumerate(items):
        by_crs.setdefault(item.crs or "wgs84", []).append(n)
    for crs, indexes in by_crs.items():
        lons, lats = many_to_wgs84([items[n].lon for n in indexes], [items[n].lat for n in indexes], crs)
        ids, _distances = locate_points(lons, lats)
        paths = dict(Region.objects.filter(pk__in=set(ids.tolist()) - {0}).values_list("pk", "path"))
        for n, grid_id in zip(indexes, ids.tolist(), strict=True):
            result[n] = (grid_id, paths.get(grid_id, ""))
    return result


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _attach(case: Case, event: CaseEvent, checked, actor) -> list[Attachment]:
    return [
        Attachment.objects.create(case=case, event=event, file=as_django_file(c), content_type=c.content_type,
                                  size=len(c.content), sha256=c.sha256, original_name=c.original_name[:200],
                                  uploaded_by=_user(actor))
        for c in checked
    ]


# ------------------------------------------------------------------------------------------------------ the loop


@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: the status stays
    roles: frozenset
    stage: str | None = "keep"  # the deadline that starts: accept/dispatch/handle/verify/close, None (no stage), "keep"


STEPS = {
    "accept": Step("accept", (S.REPORTED,), S.ACCEPTED, INTAKE, "dispatch"),
    "reject": Step("reject", (S.REPORTED, S.ACCEPTED), S.REJECTED, INTAKE, None),
    "merge": Step("merge", (S.REPORTED, S.ACCEPTED), S.MERGED, CENTRE, None),
    "dispatch": Step("dispatch", (S.ACCEPTED,), S.DISPATCHED, CENTRE, "handle"),
    "receive": Step("receive", (S.DISPATCHED,), S.IN_HANDLING, HANDLERS, "keep"),
    "return": Step("return", (S.DISPATCHED, S.IN_HANDLING), S.ACCEPTED, HANDLERS, "dispatch"),
    "request_extension": Step("request_extension", (S.DISPATCHED, S.IN_HANDLING), None, HANDLERS, "keep"),
    "decide_extension": Step("decide_extension", (S.DISPATCHED, S.IN_HANDLING), None, CENTRE, "keep"),
    "suspend": Step("suspend", (S.ACCEPTED, S.DISPATCHED, S.IN_HANDLING), S.SUSPENDED, CENTRE, None),
    "resume": Step("resume", (S.SUSPENDED,), None, CENTRE, "keep"),
    "handle": Step("handle", (S.IN_HANDLING,), S.HANDLED, HANDLERS, "verify"),
    "verify": Step("verify", (S.HANDLED,), S.VERIFIED, VERIFIERS, "close"),
    "fail_verification": Step("fail_verification", (S.HANDLED,), S.IN_HANDLING, VERIFIERS, "handle"),
    "close": Step("close", (S.VERIFIED,), S.CLOSED, CENTRE, None),
    "supervise": Step("supervise", tuple(s for s in OPEN_STATUSES if s != S.SUSPENDED), None, SUPERVISORS, "keep"),
    "evaluate": Step("evaluate", (S.CLOSED,), S.EVALUATED, CALLBACK | {R.RESIDENT}, None),
    "reopen": Step("reopen", (S.CLOSED, S.EVALUATED), S.ACCEPTED, CALLBACK | {R.RESIDENT}, "dispatch"),
}


class VerifiedReporter:
    """The actor for a resident without an account who proved, on the public tracking page, that they reported the
    case (the last 4 digits of the phone they gave; the page checks them and limits wrong guesses). It acts as a
    resident whose scope is the case's own place, for one call; the timeline says role "resident" with no user.
    """

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_anonymous = False
    pk = id = None
    department_id = None
    role = Role.RESIDENT

    def __init__(self, case: Case):
        self._civicgrid_scope = DataScope(False, (case.region_path,), None)
        self.case_id = case.pk

    def get_role_display(self):
        return Role.RESIDENT.label

    def __str__(self):
        return "reporter (tracking page)"


def allowed_actions(case: Case, actor) -> list[str]:
    """The actions `actor` may take on `case` now (for the buttons on a page)."""
    actions = [name for name, step in STEPS.items() if case.status in step.sources and _role_ok(step, case, actor)]
    if "decide_extension" in actions and not case.extension_requests.filter(
            decision=ExtensionRequest.Decision.PENDING).exists():
        actions.remove("decide_extension")
    return actions


def _role_ok(step: Step, case: Case, actor) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.role not in step.roles and not actor.is_superuser:
        return False
    if actor.role == R.DEPARTMENT_HANDLER:
        return case.department_id is not None and case.department_id == actor.department_id
    if actor.role == R.RESIDENT:
        if isinstance(actor, VerifiedReporter):
            return actor.case_id == case.pk and case.reporter_id is None
        return case.reporter_id == actor.pk
    return True


def _transition(case: Case, actor, action: str, *, note: str = "", data: dict | None = None,
                updates: dict | None = None, expected_version: int | None = None, photos: Iterable = (),
                target: str | None = None, stage_start_override: datetime | None = None,
                due_override: datetime | None = None) -> Case:
    step = STEPS[action]
    if not can_see(case, actor):
        raise CaseNotFound(case.ticket_no)
    if not _role_ok(step, case, actor):
        raise NotPermitted(f"a {getattr(actor, 'get_role_display', lambda: 'user')()} may not {action.replace('_', ' ')} "
                           f"case {case.ticket_no}")
    if expected_version is not None and expected_version != case.version:
        raise Conflict(f"case {case.ticket_no} was changed by someone else (version {case.version}, you had "
                       f"{expected_version}); reload it")
    if case.status not in step.sources:
        raise InvalidTransition(f"cannot {action.replace('_', ' ')} case {case.ticket_no}: it is "
                                f"{Status(case.status).label}")
    checked = [check_upload(p) for p in photos]
    now = _now()
    new_status = target or step.target or case.status
    fields = dict(updates or {})
    if case.stage_due_at and now > case.stage_due_at and case.status != S.SUSPENDED:
        fields["ever_overdue"] = True  # acted after the stage's deadline: late, whether or not a sweep saw it
    item = fields.get("responsibility_item", case.responsibility_item)
    if step.stage != "keep":
        start = stage_start_override or now
        fields["stage_started_at"] = start if step.stage else None
        fields["stage_due_at"] = due_override or _deadline(item, step.stage, start)
        fields["stage_warn_at"] = _warn_at(item, fields["stage_started_at"], fields["stage_due_at"], step.stage)
        fields["warning_level"] = ""
    elif due_override is not None:
        start = case.stage_started_at or now
        fields["stage_due_at"] = due_override
        fields["stage_warn_at"] = _warn_at(item, start, due_override, _stage_of(new_status))
        fields["warning_level"] = ""
    with transaction.atomic():
        hit = Case.objects.filter(pk=case.pk, status=case.status, version=case.version).update(
            status=new_status, version=F("version") + 1, updated_at=now, **fields)
        if hit != 1:
            raise Conflict(f"case {case.ticket_no} was changed by someone else at the same time; reload it")
        event = CaseEvent.objects.create(case=case, action=action, from_status=case.status, to_status=new_status,
                                         actor=_user(actor), actor_role=actor.role, at=now, note=note,
                                         data=data or {})
        _attach(case, event, checked, actor)
        case.refresh_from_db()
        transaction.on_commit(lambda: case_changed.send(sender=Case, case=case, action=action, actor=actor))
    return case


def _need(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise CaseInputError(field, "is required")
    return value


def accept(case, actor, *, category: Category | None = None, note: str = "", expected_version=None) -> Case:
    """受理: the centre takes the case on (and may correct its category, which re-reads the responsibility list)."""
    updates = {}
    if category is not None and category.pk != case.category_id:
        if not category.is_active:
            raise CaseInputError("category", f"{category} is no longer in use")
        item = responsibility_for(category, case.region_path)
        updates = {"category": category, "responsibility_item": item, "department": item.department if item else None}
    return _transition(case, actor, "accept", note=note, updates=updates, expected_version=expected_version,
                       data={"category": category.code} if category else {})


def reject(case, actor, *, reason: str, expected_version=None) -> Case:
    """不予受理, with the reason the resident is told."""
    return _transition(case, actor, "reject", note=_need(reason, "reason"), expected_version=expected_version,
                       updates={"closed_at": _now()})


def merge(case, actor, *, into: Case, note: str = "", expected_version=None) -> Case:
    """A duplicate joins the case it repeats; the target's timeline says so."""
    if into.pk == case.pk:
        raise CaseInputError("into", "a case cannot be merged into itself")
    if into.status in (S.MERGED, S.REJECTED):
        raise CaseInputError("into", f"case {into.ticket_no} is {Status(into.status).label}: merge into an open case")
    if not can_see(into, actor):
        raise CaseNotFound(into.ticket_no)
    case = _transition(case, actor, "merge", note=note, expected_version=expected_version,
                       updates={"merged_into": into, "closed_at": _now()}, data={"into": into.ticket_no})
    CaseEvent.objects.create(case=into, action="absorb", from_status=into.status, to_status=into.status,
                             actor=_user(actor), actor_role=actor.role, at=_now(),
                             data={"merged": case.ticket_no})
    return case


@transaction.atomic
def merge_many(cases: list[Case], actor, *, into: Case, note: str = "") -> list[Case]:
    """同类事件批量处理: all or nothing."""
    return [merge(c, actor, into=into, note=note) for c in cases]


def dispatch(case, actor, *, department: Department | None = None, note: str = "", expected_version=None) -> Case:
    """派遣 to the department that must act (by default the one the responsibility list names)."""
    item = case.responsibility_item
    department = department or case.department or (item.department if item else None)
    if department is None:
        raise CaseInputError("department", "no responsible department: choose one (the category has no "
                                           "responsibility item)")
    if not department.is_active:
        raise CaseInputError("department", f"{department} is not active")
    return _transition(case, actor, "dispatch", note=note, expected_version=expected_version,
                       updates={"department": department}, data={"department": department.code})


def receive(case, actor, *, note: str = "", expected_version=None) -> Case:
    """签收: the department takes the case into handling; the handling deadline runs on from dispatch."""
    return _transition(case, actor, "receive", note=note, expected_version=expected_version)


def return_case(case, actor, *, reason: str, expected_version=None) -> Case:
    """退回: not this department's; the centre dispatches again."""
    return _transition(case, actor, "return", note=_need(reason, "reason"), expected_version=expected_version,
                       updates={"return_count": F("return_count") + 1, "department": None},
                       data={"department": case.department.code if case.department else None})


def request_extension(case, actor, *, extra_minutes: int, reason: str, expected_version=None) -> ExtensionRequest:
    if case.extension_requests.filter(decision=ExtensionRequest.Decision.PENDING).exists():
        raise InvalidTransition(f"case {case.ticket_no} already has an extension request waiting for a decision")
    if not isinstance(extra_minutes, int) or extra_minutes <= 0 or extra_minutes > 60 * 1440:
        raise CaseInputError("extra_minutes", "must be a whole number of minutes between 1 and 60 days")
    reason = _need(reason, "reason")
    with transaction.atomic():
        _transition(case, actor, "request_extension", note=reason, expected_version=expected_version,
                    data={"extra_minutes": extra_minutes})
        return ExtensionRequest.objects.create(case=case, requested_by=_user(actor), requested_at=_now(),
                                               extra_minutes=extra_minutes, reason=reason)


def decide_extension(case, actor, *, grant: bool, note: str = "", expected_version=None) -> Case:
    request = case.extension_requests.filter(decision=ExtensionRequest.Decision.PENDING).first()
    if request is None:
        raise InvalidTransition(f"case {case.ticket_no} has no extension request waiting for a decision")
    due = None
    if grant and case.stage_due_at:
        _minutes, clock = _limit(case.responsibility_item, "handle")
        due = calendar.add_minutes(case.stage_due_at, request.extra_minutes, clock).due
    with transaction.atomic():
        case = _transition(case, actor, "decide_extension", note=note, expected_version=expected_version,
                           due_override=due, data={"granted": grant, "extra_minutes": request.extra_minutes})
        request.decision = ExtensionRequest.Decision.GRANTED if grant else ExtensionRequest.Decision.REFUSED
        request.decided_by, request.decided_at, request.decision_note = _user(actor), _now(), note
        request.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
    return case


def suspend(case, actor, *, reason: str, expected_version=None) -> Case:
    """挂起: the clock stops; what was left of the stage is kept for when it resumes."""
    left = None
    if case.stage_due_at:
        _minutes, clock = _limit(case.responsibility_item, _stage_of(case.status))
        left = max(calendar.elapsed_minutes(_now(), case.stage_due_at, clock), 0) \
            if case.stage_due_at > _now() else 0
    return _transition(case, actor, "suspend", note=_need(reason, "reason"), expected_version=expected_version,
                       updates={"status_before_suspension": case.status},
                       data={"minutes_left": left, "status": case.status})


def resume(case, actor, *, note: str = "", expected_version=None) -> Case:
    suspended = case.events.filter(action="suspend").order_by("-at", "-id").first()
    left = (suspended.data or {}).get("minutes_left") if suspended else None
    previous = case.status_before_suspension or S.ACCEPTED
    due = None
    if left is not None:
        _minutes, clock = _limit(case.responsibility_item, _stage_of(previous))
        due = calendar.add_minutes(_now(), left, clock).due
    return _transition(case, actor, "resume", note=note, expected_version=expected_version, target=previous,
                       due_override=due, updates={"status_before_suspension": ""})


def _stage_of(status: str) -> str:
    return {S.REPORTED: "accept", S.ACCEPTED: "dispatch", S.DISPATCHED: "handle", S.IN_HANDLING: "handle",
            S.HANDLED: "verify", S.VERIFIED: "close"}.get(status, "handle")


def handle(case, actor, *, result: str, photos: Iterable = (), expected_version=None) -> Case:
    """处置反馈: what was done, with photos."""
    return _transition(case, actor, "handle", note=_need(result, "result"), photos=photos,
                       expected_version=expected_version)


def verify(case, actor, *, note: str = "", photos: Iterable = (), lon=None, lat=None, expected_version=None) -> Case:
    """核查 passed: the fix is real (the grid worker on site, with photo and GPS)."""
    return _transition(case, actor, "verify", note=note, photos=photos, expected_version=expected_version,
                       data=_gps(lon, lat))


def fail_verification(case, actor, *, reason: str, photos: Iterable = (), lon=None, lat=None,
                      expected_version=None) -> Case:
    """核查未通过 -> 返工: back to the department."""
    return _transition(case, actor, "fail_verification", note=_need(reason, "reason"), photos=photos,
                       expected_version=expected_version, data=_gps(lon, lat),
                       updates={"rework_count": F("rework_count") + 1})


def _gps(lon, lat) -> dict:
    if lon is None and lat is None:
        return {}
    try:
        return {"lon": float(lon), "lat": float(lat)}
    except (TypeError, ValueError):
        raise CaseInputError("location", f"{lon}, {lat} is not a pair of numbers") from None


def close(case, actor, *, note: str = "", expected_version=None) -> Case:
    """结案归档."""
    return _transition(case, actor, "close", note=note, expected_version=expected_version,
                       updates={"closed_at": _now()})


def supervise(case, actor, *, reason: str, due_minutes: int = 1440, level: str | None = None,
              expected_version=None) -> Supervision:
    """督办 by the centre or a leader, with its own deadline (counted on the case's clock)."""
    if not isinstance(due_minutes, int) or due_minutes <= 0:
        raise CaseInputError("due_minutes", "must be a positive whole number of minutes")
    reason = _need(reason, "reason")
    level = level or (Supervision.Level.LEADER if actor.role == R.LEADER else Supervision.Level.CENTRE)
    _minutes, clock = _limit(case.responsibility_item, "handle")
    due = calendar.add_minutes(_now(), due_minutes, clock).due
    with transaction.atomic():
        _transition(case, actor, "supervise", note=reason, expected_version=expected_version,
                    updates={"supervised": True}, data={"level": level, "due": due.isoformat()})
        return Supervision.objects.create(case=case, level=level, raised_by=_user(actor), raised_at=_now(),
                                          due_at=due, reason=reason)


def evaluate(case, actor, *, satisfaction: int, resolved: bool, note: str = "", by_callback: bool = False,
             expected_version=None) -> Case:
    """满意度评价 by the resident, or 回访 by an operator who phoned them."""
    if satisfaction not in (1, 2, 3, 4, 5):
        raise CaseInputError("satisfaction", "must be 1, 2, 3, 4 or 5")
    if not isinstance(resolved, bool):
        raise CaseInputError("resolved", "must be yes or no")
    return _transition(case, actor, "evaluate", note=note, expected_version=expected_version,
                       updates={"satisfaction": satisfaction, "resolved": resolved},
                       data={"satisfaction": satisfaction, "resolved": resolved, "callback": by_callback})


def reopen(case, actor, *, reason: str, expected_version=None) -> Case:
    """The resident says it is not fixed: the case goes back to the centre."""
    return _transition(case, actor, "reopen", note=_need(reason, "reason"), expected_version=expected_version,
                       updates={"reopen_count": F("reopen_count") + 1, "closed_at": None, "satisfaction": None,
                                "resolved": None})


__all__ = ["FINAL_STATUSES", "OPEN_STATUSES", "STEPS", "allowed_actions", "report_case", "accept", "reject",
           "merge", "merge_many", "dispatch", "receive", "return_case", "request_extension", "decide_extension",
           "suspend", "resume", "handle", "verify", "fail_verification", "close", "supervise", "evaluate", "reopen",
           "case_changed"]
