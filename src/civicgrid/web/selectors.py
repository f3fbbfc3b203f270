"""Reads that the site's pages need, combining the geo and people apps, always through the user's scope."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.cases import selectors as case_selectors
from civicgrid.cases.models import OPEN_STATUSES, Channel, Status
from civicgrid.geo.models import Region, RegionLevel
from civicgrid.geo.selectors import ancestors_by_path, ancestors_of
from civicgrid.people.models import Role, User
from civicgrid.people.scoping import get_in_scope_or_404, restrict, scope_of
from civicgrid.people.selectors import grid_workers_by_region, scope_regions_of
from civicgrid.registry import policy


def _worker_label(user: User) -> str:
    return user.display_name or user.username


def map_features(regions: list[Region], workers: dict[int, list[User]] | None = None,
                 parents: dict[str, Region] | None = None) -> dict:
    """A GeoJSON FeatureCollection of the regions' boundaries, with what a click on one should show."""
    features = []
    for region in regions:
        if not region.geometry:
            continue
        props = {
            "code": region.code,
            "name": region.name,
            "full_name": region.full_name or region.name,
            "level": region.get_level_display(),
            "grid_kind": region.get_grid_kind_display() if region.grid_kind else "",
            "kind": region.grid_kind,
            "is_grid": region.is_grid,
            "url": reverse("web:region", args=[region.code]),
            "area_km2": round(region.area_m2 / 1e6, 3) if region.area_m2 else None,
        }
        if workers is not None and region.is_grid:
            props["workers"] = [_worker_label(u) for u in workers.get(region.pk, [])]
        if parents is not None:
            props["parents"] = [parents[c].name for c in region.ancestor_codes if c in parents]
        features.append({"type": "Feature", "properties": props, "geometry": json.loads(region.geometry)})
    return {"type": "FeatureCollection", "features": features}


@dataclass
class RegionPage:
    region: Region
    ancestors: list[tuple[Region, bool]]  # with whether the user may open it
    children: list[Region]
    workers: list[User]
    map_data: dict
    child_levels: list[str] = field(default_factory=list)


def region_page(user: User, code: str) -> RegionPage:
    """One node of the tree as its browser page shows it. Outside the user's scope: 404."""
    region = get_in_scope_or_404(Region.objects.all(), user, code=code)
    ancestors = ancestors_of(region)
    children = list(
        restrict(Region.objects.filter(parent=region), user).annotate(child_count=Count("children")).order_by("grid_kind", "code")
    )
    grids = [r for r in [region, *children] if r.is_grid]
    workers = grid_workers_by_region(grids) if grids else {}
    shown = children if any(c.geometry for c in children) else [region]
    parents = {r.code: r for r in [*ancestors, region]}
    scope = scope_of(user)
    return RegionPage(
        region=region,
        ancestors=[(a, scope.covers_path(a.path)) for a in ancestors],
        children=children,
        workers=workers.get(region.pk, []),
        map_data=map_features(shown, workers, parents),
        child_levels=sorted({c.get_level_display() for c in children}),
    )


def scope_roots(user: User) -> list[Region]:
    """The top nodes of the user's scope (everything for a superuser: the tree's roots)."""
    if scope_of(user).unrestricted:
        return list(Region.objects.filter(parent__isnull=True).order_by("code"))
    return list(scope_regions_of(user))


@dataclass
class Todo:
    """One line of "what needs my action": a count and the page that lists those cases."""

    label: str
    count: int
    url: str
    tone: str = ""  # "", "warn" (yellow) or "alert" (red) when count > 0


@dataclass
class Home:
    scope_roots: list[Region]
    my_grids: list[Region]
    map_data: dict | None
    counts: dict[str, int]
    todos: list[Todo] = field(default_factory=list)
    todo_links: list[tuple[str, str]] = field(default_factory=list)


def home_for(user: User) -> Home:
    """What a signed-in user's home page shows: their area, and for a grid worker their grids on a map."""
    roots = scope_roots(user)
    my_grids = [r for r in roots if r.is_grid]
    map_data = None
    if my_grids:
        parents = ancestors_by_path([g.path for g in my_grids])
        map_data = map_features(my_grids, grid_workers_by_region(my_grids), parents)
    counts = {}
    if roots and not my_grids:
        rows = restrict(Region.objects.all(), user).values("level").annotate(n=Count("id"))
        labels = dict(RegionLevel.choices)
        counts = {str(labels[row["level"]]): row["n"] for row in rows.order_by("level")}
    todos, links = todos_for(user)
    return Home(scope_roots=roots, my_grids=my_grids, map_data=map_data, counts=counts, todos=todos,
                todo_links=links)


def _queue(**filters) -> str:
    return reverse("cases:queue") + "?" + urlencode({"f": "1", **filters}, doseq=True)


def todos_for(user: User) -> tuple[list[Todo], list[tuple[str, str]]]:
    """Per role, the counts of cases waiting for the user and the pages they work on (one query)."""
    todos, links = _case_todos(user)
    if policy.can(user, policy.VIEW_ROLES):
        links = [*links, (_("Base data"), reverse("registry:people")), (_("Map of components and organisations"),
                                                                          reverse("registry:map"))]
    if policy.can(user, policy.EDIT_ROLES):
        links = [*links, (_("Household visits"), reverse("registry:visit_houses"))]
    if policy.can(user, policy.IMPORT_ROLES):
        links = [*links, (_("Import base data"), reverse("registry:imports"))]
    return todos, links


def _case_todos(user: User) -> tuple[list[Todo], list[tuple[str, str]]]:
    """Per role, the counts of cases waiting for the user, each with a link to the list of them (one query)."""
    role = user.role
    now = timezone.now()
    overdue = Q(status__in=OPEN_STATUSES, stage_due_at__lt=now)
    if role == Role.DISPATCHER:
        n = case_selectors.cases_for(user).aggregate(
            to_accept=Count("id", filter=Q(status=Status.REPORTED)),
            to_dispatch=Count("id", filter=Q(status=Status.ACCEPTED)),
            overdue=Count("id", filter=overdue),
            supervised=Count("id", filter=Q(supervised=True, status__in=OPEN_STATUSES)))
        return [Todo(_("to accept"), n["to_accept"], _queue(status=Status.REPORTED)),
                Todo(_("to dispatch"), n["to_dispatch"], _queue(status=Status.ACCEPTED)),
                Todo(_("overdue"), n["overdue"], _queue(overdue="true"), "alert"),
                Todo(_("supervised"), n["supervised"], _queue(supervised="true", open="true"), "warn")], \
            [(_("Case queue"), reverse("cases:queue"))]
    if role == Role.DEPARTMENT_HANDLER:
        if not user.department_id:
            return [], []
        inbox = reverse("cases:inbox")
        n = case_selectors.inbox_for_department(user).aggregate(
            to_receive=Count("id", filter=Q(status=Status.DISPATCHED)),
            in_handling=Count("id", filter=Q(status=Status.IN_HANDLING)),
            due_soon=Count("id", filter=Q(stage_due_at__lte=now + timedelta(hours=24))))
        return [Todo(_("to receive"), n["to_receive"], f"{inbox}?state=to_receive"),
                Todo(_("in handling"), n["in_handling"], f"{inbox}?state=in_handling"),
                Todo(_("due within 24 hours or overdue"), n["due_soon"], f"{inbox}?state=due_soon", "alert")], \
            [(_("My inbox"), inbox)]
    if role == Role.GRID_WORKER:
        today = timezone.localdate(now)
        n = case_selectors.cases_for(user).aggregate(
            to_verify=Count("id", filter=Q(status=Status.HANDLED)),
            patrol_today=Count("id", filter=Q(channel=Channel.GRID_WORKER, reported_at__date__gte=today)))
        return [Todo(_("to verify in my grids"), n["to_verify"], reverse("cases:verify_list"), "warn"),
                Todo(_("patrol reports in my grids today"), n["patrol_today"],
                     _queue(channel=Channel.GRID_WORKER, reported_after=today.isoformat()))], \
            [(_("Patrol report"), reverse("cases:field_report")), (_("To verify"), reverse("cases:verify_list"))]
    if role == Role.HOTLINE_OPERATOR:
        today = timezone.localdate(now)
        n = case_selectors.cases_for(user).aggregate(
            today=Count("id", filter=Q(reported_at__date__gte=today)),
            hotline=Count("id", filter=Q(channel=Channel.HOTLINE, reported_at__date__gte=today)))
        return [Todo(_("reported today"), n["today"], _queue(reported_after=today.isoformat())),
                Todo(_("hotline cases today"), n["hotline"],
                     _queue(channel=Channel.HOTLINE, reported_after=today.isoformat()))], \
            [(_("Hotline intake"), reverse("cases:hotline"))]
    if role in (Role.LEADER, Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        n = case_selectors.cases_for(user).aggregate(
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("id", filter=overdue),
            supervised=Count("id", filter=Q(supervised=True, status__in=OPEN_STATUSES)))
        todos = [Todo(_("open in my area"), n["open"], _queue(open="true")),
                 Todo(_("overdue"), n["overdue"], _queue(overdue="true"), "alert"),
                 Todo(_("supervised"), n["supervised"], _queue(supervised="true", open="true"), "warn")]
        return todos, [(_("Case queue"), reverse("cases:queue"))]
    if role == Role.RESIDENT:
        return [], [(_("Report a problem"), reverse("cases:public_report")), (_("Follow a case"), reverse("cases:track"))]
    return [], []
