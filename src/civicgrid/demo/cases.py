"""The demo district's case history: months of cases from every channel, walked through the real services.

Each case is replayed step by step at the moment each step happened (`civicgrid.cases.clock.acting_at`), by the
person whose job it is, so timelines, deadlines, warnings and lateness are what the running system would have
produced. The mix of channels, categories, outcomes and side paths is drawn from a fixed seed: the same demo
every time. Generated once; a re-run of `civicgrid demo` leaves existing demo cases alone.

A case about a city component (a GB/T 30428 component class) names a component of that class in its grid, or the
nearest one within LINK_RADIUS_M, and is placed at it; some housing matters (noise from a flat, a broken lift, no
water) name a lived-in house of the grid. Those links are drawn from a random stream of their own, so that the rest
of the history (channels, categories, outcomes, timings) is the same with or without base data.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone

from civicgrid.cases import services as cs
from civicgrid.cases.clock import acting_at
from civicgrid.cases.errors import CaseError
from civicgrid.cases.models import Case, Category, CategoryKind, Channel, ResponsibilityItem, Status
from civicgrid.cases.sweep import sweep_deadlines
from civicgrid.geo.models import GridKind, Region
from civicgrid.people.models import Department, Role, User
from civicgrid.people.services import set_scope, upsert_user
from civicgrid.registry.models import Component, House

SEED = 20261125
KEY_PREFIX = "demo-"
DAYS = 120

CHANNELS = [  # (channel, weight)
    (Channel.HOTLINE, 34), (Channel.GRID_WORKER, 20), (Channel.WEB, 10), (Channel.APP, 9), (Channel.WECHAT, 9),
    (Channel.UPPER_PLATFORM, 6), (Channel.WINDOW, 4), (Channel.EMAIL, 2), (Channel.DEPUTIES_STUDIO, 2),
    (Channel.DELIBERATION, 2), (Channel.API, 1), (Channel.OPEN311, 1),
]
# where a case ends up (weights); side paths are drawn separately
OUTCOMES = [
    ("evaluated", 46), ("closed", 14), ("verified", 2), ("handled", 5), ("in_handling", 9), ("dispatched", 5),
    ("accepted", 3), ("reported", 3), ("rejected", 5), ("merged", 4), ("suspended", 2),
]
PLACES = ["小区东门", "菜市场旁", "公交站台", "学校门口", "河道边", "商业街", "地铁站出口", "公园北侧", "十字路口",
          "停车场", "老新村", "农贸市场", "卫生服务中心旁", "桥下", "幼儿园门口"]
SENTENCES = {
    "component": ["{p}的{c}坏了，存在安全隐患，请尽快处理。", "{p}{c}损坏已有一周，居民出行不便。",
                  "巡查发现{p}{c}缺失，已设置临时警示。"],
    "event": ["{p}有{c}问题，影响周边居民生活。", "{p}长期{c}，多次反映未解决，请相关部门处理。",
              "巡查中发现{p}{c}，请派单处置。"],
    "request": ["市民来电{c}：{p}附近的相关事宜，请相关部门答复。", "市民{c}{p}周边公共服务问题。"],
}
FINAL = {"evaluated", "closed", "rejected", "merged"}
# links to the base data (see the module's docstring)
HOUSING = {"S0101", "S0601", "S0605", "S0607", "S0608", "S0609", "S0610", "S0619"}
LINK_COMPONENT_SHARE = 0.85
LINK_HOUSE_SHARE = 0.6
LINK_RADIUS_M = 500
METRES_PER_DEGREE = 111_320.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


@dataclass
class Cast:
    operators: list[User]
    dispatchers: list[User]
    leaders: list[User]
    residents: list[User]
    handlers: dict[int, User]  # department id -> a handler
    workers_by_grid: dict[int, User]


def _cast(district: Region) -> Cast:
    """The people who work the demo's cases: the demo logins plus a handler for every department."""
    handlers = {}
    for department in Department.objects.filter(is_active=True):
        existing = User.objects.filter(role=Role.DEPARTMENT_HANDLER, department=department).order_by("pk").first()
        if existing is None:
            existing, _ = upsert_user(username=f"h_{department.code.lower()}", role=Role.DEPARTMENT_HANDLER,
                                      display_name=f"{department.short_name or department.name}处置员",
                                      department=department, source="demo")
            set_scope(existing, [district], source="demo")
        handlers[department.pk] = existing
    workers = {}
    for user in User.objects.filter(role=Role.GRID_WORKER).prefetch_related("scope_grants"):
        for grant in user.scope_grants.all():
            workers.setdefault(grant.region_id, user)
    by_role = {role: list(User.objects.filter(role=role).order_by("pk")) for role in
               (Role.HOTLINE_OPERATOR, Role.DISPATCHER, Role.LEADER, Role.RESIDENT)}
    return Cast(by_role[Role.HOTLINE_OPERATOR], by_role[Role.DISPATCHER], by_role[Role.LEADER],
                by_role[Role.RESIDENT], handlers, workers)


class _Links:
    """Which component or house a case is about, drawn from a stream of its own (SEED + 1)."""

    def __init__(self):
        self.rng = random.Random(SEED + 1)
        by_class = defaultdict(list)
        for component in (Component.objects.exclude(status=Component.Status.REMOVED).order_by("code")
                          .only("pk", "code", "class_code", "grid_id", "lon", "lat")):
            by_class[component.class_code].append(component)
        self.components = {code: (items, np.array([c.grid_id or 0 for c in items]), np.array([c.lon for c in items]),
                                  np.array([c.lat for c in items])) for code, items in by_class.items()}
        self.houses = defaultdict(list)
        for house in (House.objects.filter(use__in=[House.Use.RESIDENTIAL, House.Use.MIXED])
                      .exclude(occupancy=House.Occupancy.VACANT).order_by("address")
                      .only("pk", "address", "building", "grid_id", "lon", "lat")):
            self.houses[house.grid_id].append(house)

    def component(self, category: Category, grid_id: int, lon: float, lat: float) -> Component | None:
        if category.kind != CategoryKind.COMPONENT or category.code not in self.components:
            return None
        if self.rng.random() >= LINK_COMPONENT_SHARE:
            return None
        items, grids, lons, lats = self.components[category.code]
        here = np.flatnonzero(grids == grid_id)
        if len(here):
            return items[int(here[self.rng.randrange(len(here))])]
        metres = np.hypot((lons - lon) * METRES_PER_DEGREE * np.cos(np.radians(lat)), (lats - lat) * METRES_PER_DEGREE)
        nearest = int(np.argmin(metres))
        return items[nearest] if metres[nearest] <= LINK_RADIUS_M else None

    def house(self, category: Category, grid_id: int) -> House | None:
        if category.code not in HOUSING or not self.houses.get(grid_id):
            return None
        if self.rng.random() >= LINK_HOUSE_SHARE:
            return None
        return self.rng.choice(self.houses[grid_id])


def _random_point(rng: random.Random, polygon) -> tuple[float, float]:
    min_x, min_y, max_x, max_y = polygon.bounds
    for _ in range(50):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if polygon.contains(shapely.Point(x, y)):
            return x, y
    point = polygon.representative_point()
    return point.x, point.y


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


class _Walker:
    """Replays one case's life, step by step, at advancing times (never in the future)."""

    def __init__(self, rng: random.Random, cast: Cast, now: datetime):
        self.rng, self.cast, self.now = rng, cast, now

    def after(self, at: datetime, minutes_low: float, minutes_high: float) -> datetime:
        at = at + timedelta(minutes=self.rng.uniform(minutes_low, minutes_high))
        return min(at, self.now - timedelta(minutes=1))

    def stage(self, at: datetime, case: Case, stage: str, late: bool, share: float = 1.0) -> datetime:
        """A step taken within `share` of the stage's limit, or (a late case) well past it."""
        item = case.responsibility_item
        limit = getattr(item, f"{stage}_minutes") if item else cs.DEFAULT_LIMITS[stage]
        low, high = (1.1, 2.5) if late else (0.05, 0.9)
        return self.after(at, limit * share * low, limit * share * high)

    def act(self, at: datetime, fn, *args, **kwargs):
        with acting_at(at):
            return fn(*args, **kwargs)

    def life(self, case: Case, outcome: str, late: bool) -> None:
        rng, cast, t = self.rng, self.cast, case.reported_at
        dispatcher = rng.choice(cast.dispatchers)
        if outcome == "reported":
            return
        if outcome == "rejected":
            self.act(self.after(t, 5, 90), cs.reject, case, dispatcher, reason="不属于本平台受理范围，已告知诉求人向相关单位反映")
            return
        if outcome == "merged":
            target = Case.objects.filter(idempotency_key__startswith=KEY_PREFIX, category=case.category,
                                         status__in=[Status.ACCEPTED, Status.DISPATCHED, Status.IN_HANDLING]) \
                .exclude(pk=case.pk).order_by("-reported_at").first()
            if target is not None:
                self.act(self.after(t, 5, 60), cs.merge, case, dispatcher, into=target, note="同一问题重复反映，合并处理")
                return
            outcome = "evaluated"  # nothing to merge into: dealt with on its own
        t = self.stage(t, case, "accept", late)
        case = self.act(t, cs.accept, case, rng.choice(cast.operators + cast.dispatchers))
        if outcome == "accepted":
            return
        if rng.random() < 0.05:
            t = self.after(t, 30, 300)
            self.act(t, cs.supervise, case, rng.choice(cast.leaders or cast.dispatchers),
                     reason="群众反映强烈，请加快办理", due_minutes=1440)
            case.refresh_from_db()
        t = self.stage(t, case, "dispatch", late)
        case = self.act(t, cs.dispatch, case, dispatcher)
        if outcome == "suspended":
            self.act(self.after(t, 60, 600), cs.suspend, case, dispatcher, reason="需等待产权单位确认，暂停计时")
            return
        if outcome == "dispatched":
            return
        handler = cast.handlers.get(case.department_id)
        if handler is None:
            return
        if rng.random() < 0.06:  # not theirs: back to the centre, dispatched again
            t = self.after(t, 30, 600)
            case = self.act(t, cs.return_case, case, handler, reason="经核实不属于本单位职责，请重新派遣")
            t = self.after(t, 20, 300)
            case = self.act(t, cs.dispatch, case, dispatcher)
            handler = cast.handlers.get(case.department_id, handler)
        t = self.stage(t, case, "handle", False, share=0.2)
        case = self.act(t, cs.receive, case, handler)
        if rng.random() < 0.05:
            t = self.after(t, 60, 1440)
            self.act(t, cs.request_extension, case, handler, extra_minutes=2 * 1440, reason="需协调多个部门，申请延期")
            t = self.after(t, 30, 300)
            case = self.act(t, cs.decide_extension, Case.objects.get(pk=case.pk), dispatcher,
                            grant=rng.random() < 0.8, note="")
        if outcome == "in_handling":
            return
        t = self.stage(t, case, "handle", late, share=0.7)
        case = self.act(t, cs.handle, case, handler, result="已安排人员到场处置完毕，现场已恢复。")
        if outcome == "handled":
            return
        verifier = cast.workers_by_grid.get(case.grid_id) or dispatcher
        if rng.random() < 0.07:  # the fix was not real: rework
            t = self.after(t, 60, 1440)
            case = self.act(t, cs.fail_verification, case, verifier, reason="现场核查问题仍存在，需返工")
            t = self.after(t, 120, 1440)
            case = self.act(t, cs.handle, case, handler, result="返工完毕，已彻底整改。")
        t = self.stage(t, case, "verify", late)
        case = self.act(t, cs.verify, case, verifier, note="现场核查属实，已整改到位")
        if outcome == "verified":
            return
        t = self.stage(t, case, "close", False)
        case = self.act(t, cs.close, case, dispatcher, note="办结归档")
        if outcome == "closed":
            return
        t = self.after(t, 60, 2880)
        satisfaction = _pick(rng, [(5, 55), (4, 25), (3, 10), (2, 6), (1, 4)])
        resident = case.reporter if case.reporter_id and case.reporter.role == Role.RESIDENT else None
        actor = resident or rng.choice(cast.operators)
        case = self.act(t, cs.evaluate, case, actor, satisfaction=satisfaction, resolved=satisfaction >= 3,
                        by_callback=resident is None, note="" if resident else "电话回访")
        if satisfaction <= 2 and rng.random() < 0.3:
            t = self.after(t, 60, 1440)
            case = self.act(t, cs.reopen, case, actor, reason="问题反复出现，要求重新处理")
            if case.reported_at < self.now - timedelta(days=5):  # an old reopened case has been dealt with again
                for fn, kwargs in ((cs.dispatch, {}), (cs.receive, {}), (cs.handle, {"result": "再次整改完毕。"}),
                                   (cs.verify, {}), (cs.close, {"note": "重新办结"})):
                    t = self.after(t, 30, 600)
                    who = handler if fn in (cs.receive, cs.handle) else verifier if fn is cs.verify else dispatcher
                    case = self.act(t, fn, case, who, **kwargs)


def generate_cases(count: int, *, now: datetime | None = None) -> int:
    """Create `count` demo cases (once). Returns how many were made now."""
    if Case.objects.filter(idempotency_key__startswith=KEY_PREFIX).exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(SEED)
    district = Region.objects.filter(level=2).order_by("code").first()
    cast = _cast(district)
    items = list(ResponsibilityItem.objects.filter(is_active=True, region__isnull=True).select_related("category"))
    categories = [i.category for i in items] or list(Category.objects.filter(parent__isnull=False, is_active=True))
    grids = list(Region.objects.filter(grid_kind=GridKind.COMPREHENSIVE).exclude(geometry="")
                 .values_list("pk", "geometry"))
    shapes = shapely.from_geojson(np.array([g for _, g in grids], dtype=object))
    walker = _Walker(rng, cast, now)
    links = _Links()
    made = 0
    for i in range(count):
        # more cases lately, and by day rather than at night
        age = timedelta(days=DAYS * (1 - rng.random() ** 0.7))
        reported_at = (now - age).replace(hour=rng.choice([7, 8, 9, 9, 10, 10, 11, 13, 14, 15, 16, 17, 19, 21]),
                                          minute=rng.randrange(60))
        if reported_at > now - timedelta(minutes=5):
            reported_at = now - timedelta(minutes=rng.randrange(5, 600))
        channel = _pick(rng, CHANNELS)
        category = rng.choice(categories)
        shape_index = rng.randrange(len(grids))
        lon, lat = _random_point(rng, shapes[shape_index])
        place = rng.choice(PLACES)
        text = rng.choice(SENTENCES.get(category.kind, SENTENCES["event"])).format(p=place, c=category.name)
        address = place
        component = links.component(category, grids[shape_index][0], lon, lat)
        house = None if component else links.house(category, grids[shape_index][0])
        if component is not None:  # the case is where the component is
            lon, lat = component.lon, component.lat
            text += f"（部件编码 {component.code}）"
        elif house is not None:  # at the building; the room stays in the record, not in the address
            lon, lat = house.lon, house.lat
            address = house.address[: house.address.rindex(house.building) + len(house.building)] \
                if house.building and house.building in house.address else place
        resident = cast.residents[0] if cast.residents and channel in (Channel.WEB, Channel.APP) and rng.random() < 0.3 \
            else None
        worker = cast.workers_by_grid.get(grids[shape_index][0]) if channel == Channel.GRID_WORKER else None
        anonymous = channel != Channel.GRID_WORKER and rng.random() < 0.1
        try:
            with transaction.atomic(), acting_at(reported_at):
                case = cs.report_case(
                    channel=channel, title=f"{place}{category.name}", description=text, category=category,
                    lon=lon, lat=lat, address=address, reporter=resident or worker,
                    entered_by=rng.choice(cast.operators) if channel == Channel.HOTLINE else None,
                    anonymous=anonymous,
                    contact_name="" if anonymous or worker else f"{rng.choice(SURNAMES)}先生",
                    contact_phone="" if anonymous or worker else f"1390000{rng.randrange(10000):04d}",
                    external_ticket_id=f"12345-{reported_at:%Y%m%d}-{i:05d}" if channel == Channel.UPPER_PLATFORM else "",
                    idempotency_key=f"{KEY_PREFIX}{i:06d}", reported_at=reported_at,
                    component=component, house=house,
                )
                outcome = _pick(rng, OUTCOMES)
                if outcome not in FINAL and age > timedelta(days=5) and rng.random() < 0.95:
                    outcome = _pick(rng, [o for o in OUTCOMES if o[0] in FINAL])  # old cases are mostly done
                walker.life(case, outcome, late=rng.random() < 0.12)
            made += 1
        except CaseError:
            continue  # a step the draw made impossible (say, no handler): the case keeps what it reached
    sweep_deadlines(now)
    return made
