"""The case pages: the dispatcher's queue, a case's page with its actions, the department's inbox, the grid worker's
phone pages, the hotline intake, and the public pages where residents report and follow their cases.

Thin views (DESIGN.md): parse with a form, call a service (civicgrid.cases.services), render. Every list goes
through the cases selectors, so it is scoped in one place; a single case outside the user's scope answers 404.

Public pages, two decisions (documented here and on the pages):
- Rating and reopening on the public tracking page need proof that the visitor is the reporter: either they are
  signed in as the resident who reported the case, or they give the last 4 digits of the phone number they left
  when reporting. Ticket numbers are sequential and easy to guess; the digits stop a stranger from rating or
  reopening someone else's case. Wrong digits are counted per address and per ticket (see `_too_many_failures`).
- The public report form is rate-limited per client address with Django's cache (`_rate_limited`): at most
  CASE_PUBLIC_REPORT_LIMIT posts (default 10) per CASE_PUBLIC_REPORT_WINDOW seconds (default 3600). With the
  embedded default (local-memory cache) the count is per process; with REDIS_URL set it is shared by all workers.
  The address is REMOTE_ADDR, so the reverse proxy in front must pass the client's address through.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from civicgrid.cases import selectors, services
from civicgrid.cases.errors import CaseError, CaseInputError, CaseNotFound, Conflict, InvalidTransition, NotPermitted
from civicgrid.cases.filters import CaseFilter
from civicgrid.cases.forms import (
    ACTION_FORMS,
    FieldReportForm,
    HotlineForm,
    PublicEvaluateForm,
    PublicReopenForm,
    PublicReportForm,
    TrackForm,
    active_categories,
)
from civicgrid.cases.models import OPEN_STATUSES, Case, CaseEvent, CategoryKind, Channel, ExtensionRequest, Status
from civicgrid.cases.pagination import COUNT_CAP, CappedCountPaginator
from civicgrid.core.crypto import decrypt, mask_name
from civicgrid.core.ratelimit import count_hit
from civicgrid.core.signals import client_address
from civicgrid.geo.models import Region, RegionLevel
from civicgrid.geo.selectors import home_region, names_by_level
from civicgrid.people.access import roles_required
from civicgrid.people.models import STAFF_ROLES, Department, Role
from civicgrid.people.scoping import restrict
from civicgrid.registry import policy as registry_policy

PAGE_SIZE = 50

ACTION_LABELS = {
    "report": gettext_lazy("Reported"),
    "accept": gettext_lazy("Accept"),
    "reject": gettext_lazy("Reject"),
    "merge": gettext_lazy("Merge into another case"),
    "absorb": gettext_lazy("A duplicate was merged in"),
    "dispatch": gettext_lazy("Dispatch"),
    "receive": gettext_lazy("Receive"),
    "return": gettext_lazy("Return to the centre"),
    "request_extension": gettext_lazy("Ask for more time"),
    "decide_extension": gettext_lazy("Decide on the extension"),
    "suspend": gettext_lazy("Suspend"),
    "resume": gettext_lazy("Resume"),
    "handle": gettext_lazy("Report the result"),
    "verify": gettext_lazy("Verification passed"),
    "fail_verification": gettext_lazy("Verification failed"),
    "close": gettext_lazy("Close the case"),
    "supervise": gettext_lazy("Supervise"),
    "evaluate": gettext_lazy("Rate"),
    "reopen": gettext_lazy("Reopen"),
}
# Buttons that change a case for good are drawn in the warning colour.
DANGER_ACTIONS = frozenset({"reject", "return", "fail_verification", "suspend", "reopen"})
# What the public tracking page tells of each step, and whose note it may show (no internal notes otherwise).
PUBLIC_STEPS = {
    "report": gettext_lazy("Your report was received"),
    "accept": gettext_lazy("Accepted by the linkage centre"),
    "reject": gettext_lazy("Not accepted"),
    "merge": gettext_lazy("Merged with an earlier report of the same problem"),
    "dispatch": gettext_lazy("Sent to the responsible department"),
    "receive": gettext_lazy("The department is working on it"),
    "return": gettext_lazy("Being sent to another department"),
    "handle": gettext_lazy("The department reported the result"),
    "verify": gettext_lazy("Checked on site: fixed"),
    "fail_verification": gettext_lazy("Checked on site: not fixed yet, back to the department"),
    "close": gettext_lazy("Closed"),
    "evaluate": gettext_lazy("Rated"),
    "reopen": gettext_lazy("Reopened"),
    "suspend": gettext_lazy("Paused"),
    "resume": gettext_lazy("Resumed"),
}
PUBLIC_NOTES = frozenset(selectors.PUBLIC_NOTE_ACTIONS)  # why not taken on, what was done, the closing note

QUEUE_ROLES = STAFF_ROLES
VERIFY_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISPATCHER})
HOTLINE_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.DISPATCHER})
BULK_ACTIONS = {"accept": gettext_lazy("Accept"), "merge": gettext_lazy("Merge into"),
                "dispatch": gettext_lazy("Dispatch to")}


# ------------------------------------------------------------------------------------------------------ helpers


def _case_or_404(user, ticket_no: str) -> Case:
    try:
        return selectors.get_case_for(user, ticket_no=ticket_no)
    except CaseNotFound:
        raise Http404("no such case here") from None


def _input_message(error: CaseInputError) -> str:
    """The service's complaint about a field, in the page's language where we know the wording."""
    text = error.message
    if text == "is required":
        return _("This field is required.")
    if "outside the jurisdiction" in text:
        return _("This place is outside the district: no grid is near it.")
    if error.field == "location":
        return _("The location is not valid: tap the map again or use your location.")
    if error.field == "contact_phone":
        return _("This is not a phone number.")
    if error.field == "into":
        if "itself" in text:
            return _("A case cannot be merged into itself.")
        return _("Merge into an open case.")
    if error.field == "department":
        return _("This department is not active.") if "not active" in text else \
            _("There is no responsible department for this category: choose one.")
    if error.field == "category":
        return _("This category is no longer in use.")
    if error.field == "extra_minutes":
        return _("Give a number of days between 1 and 60.")
    if error.field in ("photos",):
        return _("This file is not a photo (JPEG, PNG, WebP or GIF) or a PDF, or it is too large.")
    return text


def error_message(error: CaseError, case: Case | None = None) -> str:
    if isinstance(error, Conflict):
        return _("This case has already been handled by someone else. Please reload the page.")
    if isinstance(error, InvalidTransition):
        text = str(error)
        if "already has an extension request" in text:
            return _("An extension request is already waiting for a decision.")
        if "no extension request" in text:
            return _("There is no extension request waiting for a decision.")
        if case is not None:
            return _("This is not possible now: the case is %(status)s.") % {"status": case.get_status_display()}
        return _("This is not possible in the case's present state.")
    if isinstance(error, NotPermitted):
        return _("Your role may not take this action on this case.")
    if isinstance(error, CaseNotFound):
        return _("No such case in your area.")
    if isinstance(error, CaseInputError):
        return _input_message(error)
    return str(error)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _due_state(case: Case, now) -> str:
    """'red' when the stage is overdue, 'yellow' when its warning time has come, else ''."""
    if case.status not in OPEN_STATUSES or case.stage_due_at is None:
        return ""
    if case.stage_due_at < now or case.warning_level == "red":
        return "red"
    warn_at = getattr(case, "stage_warn_at", None)
    if case.warning_level == "yellow" or (warn_at is not None and warn_at <= now):
        return "yellow"
    return ""


@dataclass
class Place:
    grid: str
    community: str
    street: str


def _places(cases: list[Case]) -> dict[int, Place]:
    """Each case's grid, community and street names, read for the whole page in one query (from the path codes)."""
    names = names_by_level(case.region_path for case in cases)
    places = {}
    for case in cases:
        levels = names.get(case.region_path, {})
        places[case.pk] = Place(levels.get(RegionLevel.GRID, ""), levels.get(RegionLevel.COMMUNITY, ""),
                                levels.get(RegionLevel.STREET, ""))
    return places


def _rows(page) -> list[Case]:
    """The page's cases, each with its deadline marker and its grid/community/street names (one query for all)."""
    rows = list(page.object_list)
    now = timezone.now()
    places = _places(rows)
    for case in rows:
        case.due_state = _due_state(case, now)
        case.place = places.get(case.pk)
    return rows


def _area_features(regions) -> dict:
    """A GeoJSON FeatureCollection of region boundaries (name and code only) for the case maps."""
    features = []
    for region in regions:
        if region.geometry:
            features.append({"type": "Feature", "properties": {"code": region.code, "name": region.name},
                             "geometry": json.loads(region.geometry)})
    return {"type": "FeatureCollection", "features": features}


def _map_regions(qs, limit: int = 300):
    return list(qs.only("code", "name", "geometry", "level").order_by("path")[:limit])


def _public_areas():
    """The streets of the district (or, in a one-street deployment, its communities): what residents tap on."""
    home = home_region()
    if home is None:
        return _area_features([])
    qs = Region.objects.subtree(home.path)
    for level in (RegionLevel.STREET, RegionLevel.COMMUNITY, RegionLevel.GRID):
        regions = _map_regions(qs.filter(level=level))
        if len(regions) > 1 or level == RegionLevel.GRID:
            return _area_features(regions)
    return _area_features([])


def _point(case: Case) -> dict | None:
    if case.lon is None or case.lat is None:
        return None
    return {"lon": case.lon, "lat": case.lat, "ticket": case.ticket_no, "title": case.title,
            "status": case.get_status_display(), "due": getattr(case, "due_state", ""),
            "url": reverse("cases:detail", args=[case.ticket_no])}


def _map_context(areas: dict, points: list[dict], *, pick: bool = False) -> dict:
    return {"case_map": {"areas": areas, "points": [p for p in points if p], "pick": pick}}


def _category_groups(categories) -> list[tuple[str, list[tuple[str, str]]]]:
    """Top-level categories with their children, for the queue's category filter."""
    children: dict[int, list] = {}
    for c in categories:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append((c.code, c.name))
    kinds = dict(CategoryKind.choices)
    return [(f"{c.name} · {kinds.get(c.kind, '')}", [(c.code, _("all of %(name)s") % {"name": c.name}),
                                                     *children.get(c.pk, [])])
            for c in categories if c.parent_id is None]


def _rate_limited(request, bucket: str, limit: int, window: int) -> bool:
    """Counts one hit for the client's address; True once `limit` hits fell in the current window."""
    return count_hit(f"cases:rate:{bucket}:{client_address(request) or 'unknown'}", window) > limit


# ------------------------------------------------------------------------------------------- dispatcher's queue


def _queue_data(request) -> QueryDict:
    """The filter values: the page's own form always sends f=1; a bare /cases/ shows the open cases."""
    if "f" in request.GET:
        return request.GET
    data = request.GET.copy()
    data.setdefault("open", "true")
    return data


@require_GET
@roles_required(QUEUE_ROLES)
def queue(request):
    user = request.user
    data = _queue_data(request)
    cases_qs = selectors.queue_for(user).defer("grid__geometry", "grid__attributes")
    filterset = CaseFilter(data, queryset=cases_qs, request=request)
    # counted up to COUNT_CAP rows only: an exact count of a broad filter reads every matching case
    page = CappedCountPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _rows(page)
    view = "map" if request.GET.get("view") == "map" else "list"
    categories = active_categories()
    departments = list(Department.objects.filter(is_active=True).order_by("kind", "code"))
    areas = list(restrict(Region.objects.filter(level__in=(RegionLevel.STREET, RegionLevel.COMMUNITY)), user)
                 .only("code", "name", "level", "path").order_by("path"))
    params = data.copy()
    params.pop("page", None)
    params.pop("view", None)
    params["f"] = "1"
    context = {
        "filterset": filterset, "page": page, "rows": rows, "view": view, "count_cap": COUNT_CAP,
        "values": {key: data.getlist(key) for key in data},
        "statuses": Status.choices, "channels": Channel.choices, "category_groups": _category_groups(categories),
        "departments": departments, "areas": areas,
        "warnings": [("yellow", _("yellow warning")), ("red", _("overdue"))],
        "orderings": [("-reported", _("newest first")), ("reported", _("oldest first")), ("due", _("due first")),
                      ("ticket", _("ticket number"))],
        "query": params.urlencode(), "bulk_actions": BULK_ACTIONS,
        "bulk_results": request.session.pop("cases_bulk_results", None) if "cases_bulk_results" in request.session
        else None,
        "next": request.get_full_path(),
    }
    if view == "map":
        grid_ids = {c.grid_id for c in rows if c.grid_id}
        grids = _map_regions(Region.objects.filter(pk__in=grid_ids)) if grid_ids else []
        context.update(_map_context(_area_features(grids), [_point(c) for c in rows]))
    return render(request, "cases/queue.html", context)


@require_POST
@roles_required(QUEUE_ROLES)
def bulk(request):
    """Accept, merge or dispatch the selected cases, one service call each; every case gets its own result."""
    user = request.user
    back = _safe_next(request, reverse("cases:queue"))
    action = request.POST.get("action", "")
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    if action not in BULK_ACTIONS or not ids:
        messages.error(request, _("Choose an action and at least one case."))
        return HttpResponseRedirect(back)
    cases = {c.pk: c for c in selectors.queue_for(user).filter(pk__in=ids)}
    results = []
    into = department = None
    try:
        if action == "merge":
            ticket = request.POST.get("into", "").strip().upper()
            if not ticket:
                raise CaseInputError("into", "is required")
            into = selectors.get_case_for(user, ticket_no=ticket)
        elif action == "dispatch" and request.POST.get("department"):
            department = Department.objects.filter(code=request.POST["department"], is_active=True).first()
            if department is None:
                raise CaseInputError("department", "is not active")
    except CaseError as error:
        label = _("Merge into") if action == "merge" else _("Department")
        messages.error(request, f"{label}: {error_message(error)}")
        return HttpResponseRedirect(back)
    for pk in ids:
        case = cases.get(pk)
        if case is None:
            results.append({"ticket": f"#{pk}", "ok": False, "message": _("No such case in your area.")})
            continue
        version = request.POST.get(f"version_{pk}", "")
        expected = int(version) if version.isdigit() else None
        try:
            if action == "accept":
                services.accept(case, user, expected_version=expected)
            elif action == "merge":
                services.merge(case, user, into=into, expected_version=expected)
            else:
                services.dispatch(case, user, department=department, expected_version=expected)
        except CaseError as error:
            results.append({"ticket": case.ticket_no, "ok": False, "message": error_message(error, case)})
        else:
            results.append({"ticket": case.ticket_no, "ok": True, "message": _("done")})
    done = sum(1 for r in results if r["ok"])
    request.session["cases_bulk_results"] = {
        "action": str(BULK_ACTIONS[action]) + (f" {into.ticket_no}" if into else "")
        + (f" {department}" if department else ""),
        "done": done, "failed": len(results) - done, "rows": results}
    return HttpResponseRedirect(back)


# ------------------------------------------------------------------------------------------------- a case's page


def _action_form(action: str, case: Case, user, *, data=None, files=None, categories=None, departments=None):
    form_class = ACTION_FORMS[action]
    kwargs = {"case": case, "user": user}
    if action == "accept":
        kwargs["categories"] = categories if categories is not None else active_categories()
    if action == "dispatch":
        kwargs["departments"] = departments if departments is not None else \
            list(Department.objects.filter(is_active=True).order_by("kind", "code"))
    if data is not None:
        return form_class(data, files, **kwargs)
    return form_class(**kwargs)


def _event_details(event: CaseEvent, departments: dict[str, str]) -> list[tuple[str, str]]:
    data = event.data or {}
    details = []
    if data.get("channel"):
        details.append((_("Channel"), str(dict(Channel.choices).get(data["channel"], data["channel"]))))
    if data.get("department"):
        details.append((_("Department"), departments.get(data["department"], data["department"])))
    if data.get("into"):
        details.append((_("Merged into"), data["into"]))
    if data.get("merged"):
        details.append((_("Duplicate"), data["merged"]))
    if data.get("extra_minutes") and event.action == "request_extension":
        details.append((_("Extra time"), _("%(days)s days") % {"days": f"{data['extra_minutes'] / 1440:g}"}))
    if "granted" in data:
        details.append((_("Decision"), _("granted") if data["granted"] else _("refused")))
    if data.get("satisfaction"):
        details.append((_("Satisfaction"), f"{data['satisfaction']} / 5"))
    if "resolved" in data and data.get("resolved") is not None:
        details.append((_("Resolved"), _("yes") if data["resolved"] else _("no")))
    if data.get("callback"):
        details.append((_("By"), _("callback phone call")))
    if data.get("lon") is not None and data.get("lat") is not None:
        details.append((_("Position"), f"{data['lat']:.5f}, {data['lon']:.5f}"))
    return details


def _detail_context(request, case: Case, *, bound_action: str | None = None, bound_form=None) -> dict:
    user = request.user
    allowed = services.allowed_actions(case, user)
    categories = active_categories() if "accept" in allowed else []
    departments = list(Department.objects.filter(is_active=True).order_by("kind", "code"))
    pending = case.extension_requests.filter(decision=ExtensionRequest.Decision.PENDING).first() \
        if case.status in (Status.DISPATCHED, Status.IN_HANDLING) else None
    if pending is not None:
        pending.extra_days = f"{pending.extra_minutes / 1440:g}"
    # an extension is decided only when one is waiting, and asked for only when none is
    allowed = [a for a in allowed if not (a == "decide_extension" and pending is None)
               and not (a == "request_extension" and pending is not None)]
    actions = []
    for action in allowed:
        if action == bound_action and bound_form is not None:
            form = bound_form
        else:
            form = _action_form(action, case, user, categories=categories, departments=departments)
        actions.append({"name": action, "label": ACTION_LABELS.get(action, action), "form": form,
                        "danger": action in DANGER_ACTIONS, "open": action == bound_action,
                        "multipart": any(f.name == "photos" for f in form),
                        "gps": "lon" in form.fields})
    events = selectors.timeline(case)
    department_names = {d.code: d.name for d in departments}
    event_ids = set()
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)
        event.details = _event_details(event, department_names)
        event.role_label = dict(Role.choices).get(event.actor_role, event.actor_role)
        event_ids.add(event.pk)
        event.photos = list(event.attachments.all())
    other_files = [a for a in case.attachments.all() if a.event_id not in event_ids]
    photos = [a for e in events for a in e.photos] + other_files
    now = timezone.now()
    case.due_state = _due_state(case, now)
    grid = [case.grid] if case.grid_id else []
    context = {
        "case": case, "actions": actions, "events": events, "photos": photos,
        "contact_name": _("anonymous") if case.anonymous else (mask_name(case.contact_name) or "—"),
        "contact_phone": selectors.contact_phone(case) or "—",
        "places": _places([case]).get(case.pk), "pending_extension": pending,
        "merged_cases": list(case.merged_cases.only("ticket_no", "title")) if case.status not in
        (Status.MERGED,) else [],
        "supervisions": list(case.supervisions.all()) if case.supervised else [],
        # the base-data record the case is about: a link for the roles that may open the registry
        "opens_registry": user.is_superuser or registry_policy.can(user, registry_policy.VIEW_ROLES),
    }
    context.update(_map_context(_area_features(grid), [_point(case)]))
    return context


@require_GET
@roles_required(QUEUE_ROLES)
def detail(request, ticket_no: str):
    case = _case_or_404(request.user, ticket_no)
    return render(request, "cases/detail.html", _detail_context(request, case))


@require_POST
@roles_required(QUEUE_ROLES)
def act(request, ticket_no: str, action: str):
    """One button of a case's page: check the form, call the service, and say what happened."""
    user = request.user
    case = _case_or_404(user, ticket_no)
    if action not in ACTION_FORMS:
        raise Http404("no such action")
    if action not in services.allowed_actions(case, user):
        step = services.STEPS[action]
        posted = request.POST.get("version", "")
        if user.is_superuser or user.role in step.roles:
            stale = posted.isdigit() and int(posted) != case.version
            message = error_message(Conflict("") if stale else InvalidTransition(""), case)
            messages.error(request, message)
            return render(request, "cases/detail.html", _detail_context(request, case), status=409)
        raise PermissionDenied
    form = _action_form(action, case, user, data=request.POST, files=request.FILES)
    if not form.is_valid():
        return render(request, "cases/detail.html",
                      _detail_context(request, case, bound_action=action, bound_form=form), status=400)
    kwargs = form.kwargs()
    expected = form.cleaned_data["version"]
    try:
        if action == "merge":
            ticket = form.cleaned_data["into"]
            try:
                kwargs["into"] = selectors.get_case_for(user, ticket_no=ticket)
            except CaseNotFound:
                raise CaseInputError("into", "no such case") from None
        call = {"return": services.return_case}.get(action) or getattr(services, action)
        call(case, user, expected_version=expected, **kwargs)
    except CaseInputError as error:
        if error.field == "into" and error.message == "no such case":
            form.add_error("into", _("No case %(ticket)s in your area.") % {"ticket": form.cleaned_data["into"]})
        else:
            form.add_service_error(error, _input_message(error))
        return render(request, "cases/detail.html",
                      _detail_context(request, case, bound_action=action, bound_form=form), status=400)
    except CaseNotFound:
        raise Http404("no such case here") from None
    except CaseError as error:
        fresh = Case.objects.filter(pk=case.pk).select_related(*selectors.LIST_RELATED).first() or case
        messages.error(request, error_message(error, fresh))
        status = 403 if isinstance(error, NotPermitted) else 409
        return render(request, "cases/detail.html", _detail_context(request, fresh), status=status)
    messages.success(request, _("%(action)s: done.") % {"action": ACTION_LABELS.get(action, action)})
    return HttpResponseRedirect(_safe_next(request, reverse("cases:detail", args=[case.ticket_no])))


@require_GET
@roles_required(QUEUE_ROLES)
def photo(request, ticket_no: str, key: str):
    """A photo or file of a case, for those who may see the case; sent as an attachment with its checked type."""
    case = _case_or_404(request.user, ticket_no)
    attachment = case.attachments.filter(sha256__startswith=key.lower()).order_by("id").first() \
        if len(key) >= 16 else None
    if attachment is None:
        raise Http404("no such file")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("file missing") from None
    name = f"{case.ticket_no}-{attachment.sha256[:8]}.{attachment.file.name.rsplit('.', 1)[-1]}"
    response = FileResponse(handle, content_type=attachment.content_type, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# -------------------------------------------------------------------------------------- department's inbox


INBOX_STATES = {
    "to_receive": gettext_lazy("to receive"),
    "in_handling": gettext_lazy("in handling"),
    "due_soon": gettext_lazy("due within 24 hours or overdue"),
}


@require_GET
@roles_required({Role.DEPARTMENT_HANDLER})
def inbox(request):
    user = request.user
    qs = selectors.inbox_for_department(user).defer("grid__geometry", "grid__attributes") \
        if user.department_id else Case.objects.none()
    state = request.GET.get("state", "")
    now = timezone.now()
    if state == "to_receive":
        qs = qs.filter(status=Status.DISPATCHED)
    elif state == "in_handling":
        qs = qs.filter(status=Status.IN_HANDLING)
    elif state == "due_soon":
        qs = qs.filter(stage_due_at__lte=now + timedelta(hours=24))
    else:
        state = ""
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _rows(page)
    return render(request, "cases/inbox.html", {"page": page, "rows": rows, "state": state, "states": INBOX_STATES,
                                                "next": request.get_full_path()})


# --------------------------------------------------------------------------------------- grid worker's pages


@roles_required({Role.GRID_WORKER})
def field_report(request):
    """What a grid worker found on patrol: photo from the phone's camera, place from its GPS or a tap on the map."""
    user = request.user
    categories = active_categories()
    form = FieldReportForm(request.POST or None, request.FILES or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.report_case(channel=Channel.GRID_WORKER, reporter=user, entered_by=user,
                                        **form.report_kwargs())
        except CaseInputError as error:
            form.add_service_error(error, _input_message(error))
        else:
            messages.success(request, _("Reported: ticket number %(ticket)s.") % {"ticket": case.ticket_no})
            return redirect("cases:detail", ticket_no=case.ticket_no)
    grids = _map_regions(restrict(Region.objects.grids(), user))
    context = {"form": form, **_map_context(_area_features(grids), [], pick=True)}
    return render(request, "cases/field_report.html", context, status=400 if form.is_bound else 200)


@require_GET
@roles_required(VERIFY_ROLES)
def verify_list(request):
    """The cases a department says are fixed, in the user's grids: to be checked on site."""
    qs = (selectors.cases_for(request.user).filter(status=Status.HANDLED)
          .select_related(*selectors.LIST_RELATED).defer("grid__geometry", "grid__attributes")
          .order_by("stage_due_at", "id"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _rows(page)
    return render(request, "cases/verify_list.html", {"page": page, "rows": rows})


# ------------------------------------------------------------------------------------------------ hotline intake


@roles_required(HOTLINE_ROLES)
def hotline(request):
    """The operator takes a call: the caller's earlier cases beside the form; the form makes a hotline case."""
    user = request.user
    categories = active_categories()
    lookup = request.method == "POST" and "lookup" in request.POST
    form = HotlineForm(request.POST or None, request.FILES or None, categories=categories, lookup_only=lookup)
    earlier = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            earlier = list(selectors.earlier_cases_of_caller(form.cleaned_data["contact_phone"], user=user))
            if not lookup:
                try:
                    case = services.report_case(entered_by=user, **form.report_kwargs())
                except CaseInputError as error:
                    form.add_service_error(error, _input_message(error))
                    status = 400
                else:
                    messages.success(request, _("Hotline case %(ticket)s created.") % {"ticket": case.ticket_no})
                    return redirect("cases:detail", ticket_no=case.ticket_no)
        else:
            status = 400
            phone = form.cleaned_data.get("contact_phone") if hasattr(form, "cleaned_data") else None
            if phone:
                earlier = list(selectors.earlier_cases_of_caller(phone, user=user))
    areas = _public_areas()
    context = {"form": form, "earlier": earlier, "lookup": lookup, **_map_context(areas, [], pick=True)}
    return render(request, "cases/hotline.html", context, status=status)


# -------------------------------------------------------------------------------------------- residents' pages


def _report_limit() -> tuple[int, int]:
    return (int(getattr(settings, "CASE_PUBLIC_REPORT_LIMIT", 10)),
            int(getattr(settings, "CASE_PUBLIC_REPORT_WINDOW", 3600)))


def public_report(request):
    """A resident reports a problem; no sign-in needed. A signed-in resident becomes the case's reporter."""
    user = request.user
    categories = active_categories()
    form = PublicReportForm(request.POST or None, request.FILES or None, categories=categories)
    status = 200
    if request.method == "POST":
        limit, window = _report_limit()
        if _rate_limited(request, "public-report", limit, window):
            messages.error(request, _("Too many reports from this address. Please try again later, or call the "
                                      "hotline."))
            status = 429
        elif form.is_valid():
            reporter = user if user.is_authenticated and user.role == Role.RESIDENT else None
            try:
                case = services.report_case(channel=Channel.WEB, reporter=reporter, **form.report_kwargs())
            except CaseInputError as error:
                form.add_service_error(error, _input_message(error))
                status = 400
            else:
                request.session["cases_reported"] = case.ticket_no
                return redirect("cases:track_case", ticket_no=case.ticket_no)
        else:
            status = 400
    context = {"form": form, **_map_context(_public_areas(), [], pick=True)}
    return render(request, "cases/public_report.html", context, status=status)


@require_GET
def track(request):
    form = TrackForm(request.GET or None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            case = selectors.public_case(form.cleaned_data["ticket_no"])
            if case is not None:
                return redirect("cases:track_case", ticket_no=case.ticket_no)
            form.add_error("ticket_no", _("No case has this ticket number. Check it and try again."))
            status = 404
    return render(request, "cases/track.html", {"form": form}, status=status)


def _public_actor(request, case: Case, last4: str | None):
    """The actor for a rating or reopening on the tracking page, or None when the visitor proved nothing."""
    user = request.user
    if user.is_authenticated and case.reporter_id and user.pk == case.reporter_id:
        return user
    phone = decrypt(case.contact_phone_encrypted) if case.contact_phone_encrypted else ""
    if not last4 or len(phone) < 4 or not hmac.compare_digest(phone[-4:], last4):
        return None
    if case.reporter_id:
        reporter = case.reporter
        return reporter if reporter.role == Role.RESIDENT and reporter.is_active else None
    return services.VerifiedReporter(case)


def _too_many_failures(request, ticket_no: str, *, count: bool = False) -> bool:
    """Wrong phone digits: at most 5 an hour from one address, and 10 a day for one ticket."""
    address = client_address(request) or "unknown"
    keys = [(f"cases:proof:addr:{address}", 5, 3600), (f"cases:proof:ticket:{ticket_no}", 10, 86400)]
    if count:
        for key, _limit, window in keys:
            count_hit(key, window)
        return False
    return any((cache.get(key) or 0) >= limit for key, limit, _window in keys)


def _public_events(case: Case) -> list[dict]:
    events = []
    for event in case.events.order_by("at", "id"):
        if event.action not in PUBLIC_STEPS:
            continue
        note = event.note if event.action in PUBLIC_NOTES else ""
        events.append({"label": PUBLIC_STEPS[event.action], "at": event.at, "note": note,
                       "status": Status(event.to_status).label if event.to_status else ""})
    return events


def _track_context(request, case: Case, *, evaluate_form=None, reopen_form=None) -> dict:
    user = request.user
    is_reporter = user.is_authenticated and case.reporter_id is not None and user.pk == case.reporter_id
    can_prove = is_reporter or bool(case.contact_phone_encrypted)
    can_rate = case.status == Status.CLOSED
    can_reopen = case.status in (Status.CLOSED, Status.EVALUATED)
    if can_rate and evaluate_form is None:
        evaluate_form = PublicEvaluateForm(needs_proof=not is_reporter, initial={"version": case.version})
    if can_reopen and reopen_form is None:
        reopen_form = PublicReopenForm(needs_proof=not is_reporter, initial={"version": case.version})
    just_reported = request.session.pop("cases_reported", None) == case.ticket_no \
        if "cases_reported" in request.session else False
    return {"case": case, "events": _public_events(case), "can_prove": can_prove, "is_reporter": is_reporter,
            "evaluate_form": evaluate_form if can_rate else None, "reopen_form": reopen_form if can_reopen else None,
            "just_reported": just_reported, "merged_into": case.merged_into.ticket_no if case.merged_into_id else ""}


def _public_case_or_404(ticket_no: str) -> Case:
    case = selectors.public_case(ticket_no)
    if case is None:
        raise Http404("no such ticket")
    return case


@require_GET
def track_case(request, ticket_no: str):
    case = _public_case_or_404(ticket_no)
    return render(request, "cases/track_case.html", _track_context(request, case))


@require_POST
def track_act(request, ticket_no: str, action: str):
    """Rate (evaluate) or reopen from the public tracking page, as the proven reporter."""
    if action not in ("evaluate", "reopen"):
        raise Http404("no such action")
    case = _public_case_or_404(ticket_no)
    user = request.user
    is_reporter = user.is_authenticated and case.reporter_id is not None and user.pk == case.reporter_id
    form_class = PublicEvaluateForm if action == "evaluate" else PublicReopenForm
    form = form_class(request.POST, needs_proof=not is_reporter)
    forms_kw = {"evaluate_form" if action == "evaluate" else "reopen_form": form}

    def again(status: int):
        return render(request, "cases/track_case.html", _track_context(request, case, **forms_kw), status=status)

    if not form.is_valid():
        return again(400)
    if not is_reporter and _too_many_failures(request, case.ticket_no):
        messages.error(request, _("Too many wrong attempts. Please try again later, or call the hotline."))
        return again(429)
    actor = _public_actor(request, case, form.cleaned_data.get("phone_last4"))
    if actor is None:
        _too_many_failures(request, case.ticket_no, count=True)
        form.add_error("phone_last4" if "phone_last4" in form.fields else None,
                       _("These digits do not match the phone number given when reporting."))
        return again(403)
    data = form.cleaned_data
    try:
        if action == "evaluate":
            services.evaluate(case, actor, satisfaction=data["satisfaction"], resolved=data["resolved"],
                              note=data["note"], expected_version=data["version"])
        else:
            services.reopen(case, actor, reason=data["reason"], expected_version=data["version"])
    except CaseInputError as error:
        form.add_error(error.field if error.field in form.fields else None, _input_message(error))
        return again(400)
    except CaseError as error:
        messages.error(request, error_message(error, case))
        case = _public_case_or_404(ticket_no)
        return render(request, "cases/track_case.html", _track_context(request, case),
                      status=403 if isinstance(error, NotPermitted) else 409)
    messages.success(request, _("Thank you: your rating was saved.") if action == "evaluate"
                     else _("The case was reopened: the linkage centre will take it up again."))
    return redirect("cases:track_case", ticket_no=case.ticket_no)


__all__ = ["queue", "bulk", "detail", "act", "photo", "inbox", "field_report", "verify_list", "hotline",
           "public_report", "track", "track_case", "track_act"]
