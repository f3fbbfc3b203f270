"""The demo district's base data (三个实有 + 城市部件), generated: compounds (小区) of houses in the residential grids,
the households living in them, organisations and city components, all placed in the real region tree.

Deterministic: drawn from a fixed seed over the tree as loaded (the shipped sample or the full 苏州工业园区 data set),
so the same tree gives the same registry every time. Ages are counted on 1 January of REFERENCE_YEAR (nobody is born
after it), not at today, so that the identity numbers (the people's keys) do not depend on the day the demo is
built; the dates that must lie around today (residence permits expired or about to expire, moves) are drawn around
the day of the build.

Idempotent: every record has a natural key (a house's address, a person's identity number through its keyed hash,
a credit code, a component code). A run writes only the records whose key is not there yet and leaves the others
as they are, so a re-run adds nothing and edits made while trying the demo survive it.

**Demo seed, not the upsert services.** `seed_registry` writes the generated records in bulk: a few seconds for
tens of thousands of rows, where the per-row upsert services cost about a millisecond a row on SQLite (several on
PostgreSQL) and would double the time of `civicgrid demo`. It is the one bulk write path of the base data and only
the demo uses it. It keeps the services' semantics: every value goes through the services' own checks
(check_id_number, check_credit_code, check_phone, check_tags), personal data is encrypted and hashed by the same
functions (core.crypto.encrypt, lookup_hash, registry.services.tag_hash, tags_digest), tags are PersonTag rows,
records are placed in their grid by the same locator, and each record gets the change-history row the service would
have written (source "demo", hashes only, never a clear identity number, phone or tag); a person who moved gets the
update row of the move and a PersonMove dated when it happened. tests/demo/test_registry_demo.py checks that the
upsert services find seeded records "unchanged".

Identity numbers: valid check digit (stdnum.cn.ric), a birth date drawn from an age pyramid, the sex digit matching
the sex, and a region prefix that python-stdnum knows and accepts for the birth year (stdnum checks the county code
against the years it existed: older people from 苏州 carry the 苏州地区 county codes of before 1983). Foreign
residents are not generated: their 外国人永久居留身份证 numbers (starting with 9) fail stdnum's region check, so
registry.services.check_id_number refuses them. The 境外 residents are people of Hong Kong and Macao holding a
港澳居民居住证 (810000 / 820000 + birth date), which stdnum accepts only for people born after 1997 / 1999: they are
young adults here.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from time import perf_counter

import numpy as np
import shapely
from django.db import models, transaction
from django.utils import timezone
from stdnum.cn import ric, uscc

from civicgrid.cases.models import Category, CategoryKind, ResponsibilityItem
from civicgrid.core.crypto import encrypt, lookup_hash
from civicgrid.core.models import ChangeRecord
from civicgrid.core.services import snapshot
from civicgrid.geo.models import GridKind, Region, RegionLevel
from civicgrid.geo.selectors import locate_points
from civicgrid.people.models import Department
from civicgrid.registry import services as rs
from civicgrid.registry.models import Component, House, Organisation, Person, PersonMove, PersonTag

SEED = 20261126
SOURCE = "demo"
REFERENCE_YEAR = 2026  # ages are counted on 1 January of this year (see the module's docstring)

# sizes: about 12 houses per residential grid (three times that in the demo logins' community), capped for the full tree
HOUSES_PER_GRID = (9, 16)
FOCUS_FACTOR = 3
MAX_HOUSES = 12_000
COMPONENTS_PER_GRID = 10
MAX_COMPONENTS = 6_000
MAX_ORGANISATIONS = 600
RESIDENTIAL_AREA_M2 = (8_000, 200_000)  # comprehensive grids of a housing block's size; larger ones are fields, lakes
INSET_DEGREES = 6e-5  # about 6 m: points are kept that far inside their grid, off the shared boundary

# ---------------------------------------------------------------------------------------------------------------
# Names, places, phones

SURNAMES_LOCAL = ("顾陆沈钱朱徐周张王陈吴金蒋姚范潘俞邹夏汤秦郁严许孙李杨黄毛缪倪戴唐马胡")
SURNAMES_ALL = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任"
                "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴")
SURNAMES_HKMO = "陈黄李梁张林何吴刘郑谭蔡关冯邓曾罗麦叶"
GIVEN = {  # (era, sex) -> characters of given names
    ("old", "M"): "建国华明林荣根福金宝兴德明忠伟文海祥瑞国平庆良生才广志强新元",
    ("old", "F"): "秀英兰芳桂珍凤玉梅琴娟华美丽萍红霞月娣妹云菊素",
    ("mid", "M"): "伟强军勇斌杰涛峰磊鹏辉刚超波俊毅宁健平鑫亮东锋",
    ("mid", "F"): "静丽艳娟敏燕玲婷颖莉雯倩霞琳雪洁芳慧蓉",
    ("young", "M"): "浩宇轩睿泽辰博文子涵一晨皓然俊逸铭杰昊天奕",
    ("young", "F"): "欣怡诗涵雨萱梓悦可馨佳琪思语若彤语嘉妍一诺",
    ("hkmo", "M"): "家豪俊杰志伟嘉浩子健文轩卓霆国栋",
    ("hkmo", "F"): "嘉欣咏诗慧敏颖琳晓彤凯琪",
}
MOBILE_PREFIXES = ("130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 175 176 177 "
                   "178 180 181 182 183 185 186 187 188 189 191 193 195 198 199").split()
TOWNS = "城关镇 新集镇 城南镇 城北镇 永安镇 太平镇 新河镇 双桥镇 白沙镇 马店镇 三河镇 高桥镇 龙泉镇 石桥镇".split()
VILLAGES = "新华村 红星村 胜利村 光明村 东风村 前进村 新民村 和平村 李庄村 王集村 张湾村 向阳村 团结村 建新村".split()

# Roads of 苏州工业园区 by street code, for the compounds' gates (门牌号): real road names of the park, put in the street
# they (mostly) run through, not a survey of which road passes which compound. Other streets use all of them.
ROADS = {
    "320505006": "星湖街 星塘街 松涛街 淞江路 钟南街 现代大道 苏州大道东 斜塘老街 东方大道 莲花路".split(),
    "320505007": "葑亭大道 葑南路 通园路 南施街 扬东路 东环路 夏园路 娄葑东路 金鸡湖大道".split(),
    "320506009": "唯新路 唯胜路 唯华路 青剑湖路 阳澄湖大道 星华街 亭平路 春晖路".split(),
    "320506010": "胜浦路 吴淞路 阳浦路 澄浦路 金胜路 浦田路 银胜路 胜东路".split(),
    "320506012": "星港街 星明街 星海街 现代大道 苏州大道东 金鸡湖大道 旺墩路 钟园路 翠园路 文萃路".split(),
}
COMPOUND_SUFFIXES = ("花园", "新村", "苑", "家园", "雅苑", "名邸", "公寓", "小区")
SUFFIX_KEPT = ("苑", "花园", "公寓", "家园", "新村", "村", "城", "湾", "岸", "广场")
PHASES = "一二三四五六七八九十"

# ---------------------------------------------------------------------------------------------------------------
# Region codes that python-stdnum knows (stdnum/cn/loc.dat), with the years each was in use


@dataclass(frozen=True)
class County:
    code: str
    province: str
    city: str
    spans: tuple[tuple[int | None, int | None, str], ...]  # (first year, last year, name); None: open

    def name_in(self, year: int) -> str | None:
        """The county's name in `year`, None if the code was not in use then (stdnum's own rule)."""
        for start, end, name in self.spans:
            if (start is None or year >= start) and (end is None or year <= end):
                return name
        return None


@lru_cache(maxsize=1)
def counties() -> dict[str, County]:
    """Every 6-digit code of stdnum's region table, by code."""
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    raw: dict[str, str] = {}
    provinces: dict[str, str] = {}
    prefix = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.search(r'(\w+)="([^"]*)"', line)
        if not match:
            continue
        if not line.startswith(" "):
            prefix = line.split()[0]
            provinces[prefix] = match.group(2)
        else:
            raw[prefix + line.split()[0]] = match.group(2)

    def spans(value: str):
        out = []
        for part in value.split(","):
            found = re.fullmatch(r"\[(\d*)-(\d*)\](.+)", part)
            if found:
                out.append((int(found.group(1)) if found.group(1) else None,
                            int(found.group(2)) if found.group(2) else None, found.group(3)))
            else:
                out.append((None, None, part))
        return tuple(out)

    result = {}
    for code, value in raw.items():
        city = raw.get(code[:4] + "00", "") if not code.endswith("00") else ""
        city = spans(city)[-1][2] if city else ""  # its latest name
        result[code] = County(code, provinces.get(code[:2], ""), "" if city in ("市辖区", "县") else city, spans(value))
    return result


def _county_level(county: County) -> bool:
    names = "".join(name for *_, name in county.spans)
    return not county.code.endswith("00") and not any(w in names for w in ("市辖区", "地区", "市区", "矿区"))


# where people come from: pool -> (code prefix, weight)
ORIGINS = {
    "suzhou": [("3205", 10), ("3227", 10)],  # 3227xx: the 苏州地区 counties before 1983
    "jiangsu": [("3203", 3), ("3207", 2), ("3208", 2), ("3209", 3), ("3210", 2), ("3212", 2), ("3213", 3),
                ("3206", 2), ("3202", 1), ("3201", 1), ("3221", 1), ("3222", 1), ("3223", 1), ("3224", 1)],
    "other": [("34", 25), ("41", 15), ("51", 8), ("36", 6), ("42", 6), ("37", 6), ("52", 5), ("43", 5), ("50", 4),
              ("33", 3), ("13", 3), ("62", 3), ("53", 3), ("23", 2), ("14", 2), ("61", 2), ("45", 2), ("21", 1),
              ("22", 1), ("35", 1), ("44", 1), ("31", 1), ("11", 1)],
}
HKMO = ("810000", "820000")  # 港澳居民居住证: in stdnum's table from 1997 (Hong Kong) and 1999 (Macao)


@lru_cache(maxsize=64)
def _county_level_codes(prefix: str) -> tuple[County, ...]:
    return tuple(sorted((c for c in counties().values() if c.code.startswith(prefix) and _county_level(c)),
                        key=lambda c: c.code))


@lru_cache(maxsize=8192)
def _codes_for(prefix: str, year: int) -> tuple[str, ...]:
    return tuple(c.code for c in _county_level_codes(prefix) if c.name_in(year))


def county_for(rng: random.Random, pool: str, year: int, prefer: str | None = None) -> str:
    """A county code of `pool` in use in `year` (the preferred one when it was)."""
    if prefer and prefer in counties() and counties()[prefer].name_in(year):
        return prefer
    prefixes = [(p, w) for p, w in ORIGINS[pool] if _codes_for(p, year)]
    prefix = rng.choices([p for p, _ in prefixes], weights=[w for _, w in prefixes])[0]
    return rng.choice(_codes_for(prefix, year))


def identity_number(region: str, birth: date, sex: str, rng: random.Random) -> str:
    """An 18-digit resident identity number: region, birth date, sequence with the sex digit (odd: male), check."""
    sex_digit = rng.choice("13579" if sex == "M" else "02468")
    body = f"{region}{birth:%Y%m%d}{rng.randrange(100):02d}{sex_digit}"
    return body + ric.calc_check_digit(body + "0")  # stdnum's function wants the number with a check digit place


ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code_check(body: str) -> str:
    """The check character of a 9-character organisation code (GB 11714): weights 3 7 9 10 5 8 4 2, modulus 11."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_PREFIX = {"企业": ("91",), "个体工商户": ("92",), "社会组织": ("51", "52"), "机关事业单位": ("11", "12")}
CREDIT_REGION = "320594"  # the registration code of 苏州工业园区 in its credit codes


def credit_code(rng: random.Random, kind: str) -> str:
    """A unified social credit code: authority + type, region, organisation code with its own check, check."""
    if rng.random() < 0.6:  # issued since 2015: MA1 + 5 characters
        body = "MA1" + "".join(rng.choice(USCC_CHARS[1:]) for _ in range(5))
    else:  # an older organisation code carried over
        body = str(rng.randrange(50_000_000, 80_000_000))
    code = rng.choice(CREDIT_PREFIX[kind]) + CREDIT_REGION + body + organisation_code_check(body)
    return code + uscc.calc_check_digit(code)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"


def person_name(rng: random.Random, surname: str, sex: str, born: int, hkmo: bool = False) -> str:
    era = "hkmo" if hkmo else "old" if born < 1965 else "mid" if born < 1990 else "young"
    chars = GIVEN[(era, sex)]
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < (0.55 if era == "old" else 0.8) else "")
    return surname + given


# ---------------------------------------------------------------------------------------------------------------
# The plan: what the registry should hold, as plain values


@dataclass
class HousePlan:
    address: str
    building: str
    unit: str
    room: str
    use: str
    occupancy: str
    lon: float
    lat: float
    street_code: str = ""  # where the house lies (not stored on the house: used to draw the people)
    community: str = ""


@dataclass
class PersonPlan:
    id_number: str
    name: str
    phone: str
    household_address: str
    house_address: str
    residence_type: str
    tags: list[str]
    arrival_date: date | None = None
    registered_on: date | None = None
    permit_expires_on: date | None = None
    moved_from: str | None = None  # address of the house the person lived in before
    moved_at: datetime | None = None


@dataclass
class OrganisationPlan:
    credit_code: str
    name: str
    kind: str
    address: str
    legal_representative: str
    contact_phone: str
    lon: float
    lat: float


@dataclass
class ComponentPlan:
    code: str
    class_code: str
    name: str
    lon: float
    lat: float
    status: str
    owner_code: str | None


@dataclass
class RegistryPlan:
    houses: list[HousePlan] = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)
    organisations: list[OrganisationPlan] = field(default_factory=list)
    components: list[ComponentPlan] = field(default_factory=list)


@dataclass
class _Grid:
    region: Region
    shape: object
    inner: object  # the polygon shrunk by INSET_DEGREES (or the polygon itself, when that leaves nothing)
    street: Region | None
    community: Region | None


def _largest(geometry):
    if geometry.geom_type == "MultiPolygon":
        return max(geometry.geoms, key=lambda g: g.area)
    return geometry


def _grids(kind: str) -> list[_Grid]:
    rows = list(Region.objects.filter(grid_kind=kind).exclude(geometry="").order_by("code"))
    if not rows:
        return []
    parents = {r.pk: r for r in Region.objects.filter(level__in=(RegionLevel.STREET, RegionLevel.COMMUNITY))}
    shapes = shapely.from_geojson(np.array([r.geometry for r in rows], dtype=object))
    out = []
    for region, geometry in zip(rows, shapes, strict=True):
        geometry = shapely.make_valid(geometry) if not geometry.is_valid else geometry
        inner = geometry.buffer(-INSET_DEGREES)
        inner = inner if not inner.is_empty and inner.area > geometry.area * 0.15 else geometry
        community = parents.get(region.parent_id)
        street = parents.get(community.parent_id) if community else None
        out.append(_Grid(region, geometry, inner, street, community))
    return out


def _point_in(rng: random.Random, polygon) -> tuple[float, float]:
    min_x, min_y, max_x, max_y = polygon.bounds
    for _ in range(8):
        xs = [rng.uniform(min_x, max_x) for _ in range(16)]
        ys = [rng.uniform(min_y, max_y) for _ in range(16)]
        inside = shapely.contains_xy(polygon, xs, ys)
        for x, y, ok in zip(xs, ys, inside, strict=True):
            if ok:
                return round(x, 6), round(y, 6)
    point = polygon.representative_point()
    return round(point.x, 6), round(point.y, 6)


def _point_on_edge(rng: random.Random, polygon) -> tuple[float, float]:
    """A point along the inset edge of a grid (the kerb of the roads that bound most grids)."""
    ring = _largest(polygon).exterior
    point = ring.interpolate(rng.random(), normalized=True)
    if not shapely.contains_xy(polygon, point.x, point.y):
        return _point_in(rng, polygon)
    return round(point.x, 6), round(point.y, 6)


def _compound_name(community: str, index: int, taken: set[str]) -> str:
    base = community.removesuffix("社区") or community
    if not base.endswith(SUFFIX_KEPT):
        base += COMPOUND_SUFFIXES[sum(map(ord, base)) % len(COMPOUND_SUFFIXES)]
    name = base if index == 0 else f"{base}{PHASES[min(index, 9)]}期" if index < 10 else f"{base}{index + 1}期"
    n = 2
    while name in taken:
        name, n = f"{base}{n}区", n + 1
    taken.add(name)
    return name


# ---------------------------------------------------------------------------------------------------------------
# Houses


def _plan_houses(rng: random.Random, grids: list[_Grid], focus: set[int]) -> list[HousePlan]:
    residential = [g for g in grids if RESIDENTIAL_AREA_M2[0] <= (g.region.area_m2 or 0) <= RESIDENTIAL_AREA_M2[1]]
    wanted = {g.region.pk: rng.randint(*HOUSES_PER_GRID) * (FOCUS_FACTOR if g.region.pk in focus else 1)
              for g in residential}
    total = sum(wanted.values())
    scale = min(1.0, MAX_HOUSES / total) if total else 1.0
    compounds_taken: set[str] = set()
    gates_taken: set[tuple[str, str, int]] = set()
    per_community: Counter = Counter()
    houses: list[HousePlan] = []
    for grid in residential:
        count = max(1, round(wanted[grid.region.pk] * scale))
        street_name = grid.street.name if grid.street else ""
        street_code = grid.street.code if grid.street else ""
        community_name = grid.community.name if grid.community else grid.region.name
        compound = _compound_name(community_name, per_community[community_name], compounds_taken)
        per_community[community_name] += 1
        roads = ROADS.get(street_code) or sorted({r for rs_ in ROADS.values() for r in rs_})
        road = rng.choice(roads)
        number = rng.randrange(1, 400)
        while (street_code, road, number) in gates_taken:
            number += 1
        gates_taken.add((street_code, road, number))
        # the compound: buildings of 6 floors (older) or 11-26 (newer), 1-3 units, 2-4 rooms a floor
        high_rise = rng.random() < 0.55
        floors = rng.choice((11, 15, 18, 26)) if high_rise else 6
        units = rng.randint(1, 2) if high_rise else rng.randint(2, 3)
        per_floor = rng.randint(2, 4) if high_rise else 2
        buildings = rng.randint(6, 30)
        count = min(count, buildings * units * floors * per_floor)
        positions: dict[int, tuple[float, float]] = {}
        rooms: set[tuple[int, int, int, int]] = set()
        while len(rooms) < count:
            rooms.add((rng.randint(1, buildings), rng.randint(1, units), rng.randint(1, floors),
                       rng.randint(1, per_floor)))
        for b, u, f, r in sorted(rooms):
            if b not in positions:
                positions[b] = _point_in(rng, grid.inner)
            lon, lat = positions[b]
            room = f"{f}{r:02d}"
            use, occupancy = House.Use.RESIDENTIAL, _pick(rng, OCCUPANCY)
            if f == 1 and not high_rise and rng.random() < 0.25:  # a ground-floor shop of an older compound
                use = House.Use.COMMERCIAL
                occupancy = _pick(rng, [(House.Occupancy.RENTED, 7), (House.Occupancy.OWNER, 2), (House.Occupancy.VACANT, 1)])
            elif rng.random() < 0.02:
                use = House.Use.MIXED  # 商住两用
            address = f"{street_name}{road}{number}号{compound}{b}幢{u}单元{room}室"
            houses.append(HousePlan(address, f"{b}幢", f"{u}单元", room, use, occupancy, lon, lat, street_code,
                                    community_name))
    return houses


OCCUPANCY = [(House.Occupancy.OWNER, 62), (House.Occupancy.RENTED, 27), (House.Occupancy.VACANT, 11)]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


# ---------------------------------------------------------------------------------------------------------------
# People: one household per lived-in house


# household shapes: name -> list of members as (role, min age, max age); "spouse" takes the head's age +- 4 years,
# "child" and "grandparent" are drawn relative to the head
OWNER_HOUSEHOLDS = [
    ("elderly_alone", 9), ("elderly_couple", 14), ("single", 6), ("couple", 10), ("middle_couple", 9), ("family1", 25),
    ("family2", 11), ("three_generations", 13), ("grown_child", 10),
]
RENTER_HOUSEHOLDS = [("single", 34), ("couple", 24), ("family1", 22), ("family2", 6), ("shared", 14)]
ELDERLY = 60


@dataclass
class _Member:
    sex: str
    age: int
    role: str  # head, spouse, child, parent, flatmate


def _household(rng: random.Random, shape: str, renters: bool) -> list[_Member]:
    def adult(low, high, sex=None):
        return _Member(sex or rng.choice("MF"), rng.randint(low, high), "head")

    if shape == "elderly_alone":
        head = adult(ELDERLY + 2, 93, "F" if rng.random() < 0.65 else "M")  # women outlive their husbands
        return [head]
    if shape == "elderly_couple":
        head = adult(ELDERLY, 88, "M")
        return [head, _Member("F", max(ELDERLY - 3, head.age - rng.randint(0, 5)), "spouse")]
    if shape == "single":
        return [adult(20, 36) if renters else adult(24, 58)]
    if shape == "shared":
        return [_Member(rng.choice("MF"), rng.randint(19, 34), "head" if i == 0 else "flatmate")
                for i in range(rng.randint(2, 4))]
    low, high = {"couple": (23, 45), "middle_couple": (48, 64), "family1": (26, 52), "family2": (30, 50),
                 "three_generations": (30, 48), "grown_child": (47, 66)}[shape]
    if renters:
        high = min(high, 46)
        low = min(low, high - 3)
    head = adult(low, high, "M")
    mother = _Member("F", max(20, head.age - rng.randint(-2, 5)), "spouse")
    members = [head, mother]

    def child(age: int) -> _Member:
        return _Member(rng.choice("MF"), max(0, age), "child")

    if shape in ("family1", "three_generations"):  # mothers are 24 to 34 at a birth; a young mother's child is small
        members.append(child(mother.age - rng.randint(24, 34) if mother.age >= 30 else rng.randint(0, mother.age - 20)))
    if shape == "family2":
        first = child(mother.age - rng.randint(24, 30))
        members += [first, child(first.age - rng.randint(2, 7))]
    if shape == "grown_child":
        members.append(child(max(18, mother.age - rng.randint(24, 34))))
    if shape == "three_generations":
        for _ in range(rng.randint(1, 2)):
            members.append(_Member("F" if rng.random() < 0.6 else "M", rng.randint(head.age + 22, min(92, head.age + 34)),
                                   "parent"))
    return members[:5]


def _permit_dates(rng: random.Random, today: date, arrival: date) -> tuple[date | None, date | None]:
    """Residence registration and the 居住证's expiry: some long expired, some within 30 days, most ahead."""
    if rng.random() < 0.05:
        return None, None  # not registered yet
    registered = min(today, arrival + timedelta(days=rng.randint(0, 20)))
    if (today - arrival).days < 180:
        return registered, None  # a permit needs six months of residence
    draw = rng.random()
    if draw < 0.09:
        expires = today - timedelta(days=rng.randint(1, 150))
    elif draw < 0.18:
        expires = today + timedelta(days=rng.randint(0, 30))
    else:
        expires = today + timedelta(days=rng.randint(31, 365))
    return registered, expires


def _tags(rng: random.Random, member: _Member, shape: str, residence: str, household_tags: set[str]) -> list[str]:
    tags = set(household_tags)
    age = member.age
    if shape == "elderly_alone" and age >= ELDERLY and rng.random() < 0.88:
        tags.add("独居老人")
    if age >= 80 and residence == Person.ResidenceType.REGISTERED:
        tags.add("高龄老人")
    if rng.random() < (0.05 if age >= ELDERLY else 0.015 if age >= 6 else 0.004):
        tags.add("残疾人")
    if member.sex == "M" and 22 <= age <= 80 and rng.random() < 0.05:
        tags.add("退役军人")
    if member.sex == "F" and 22 <= age <= 40 and member.role in ("head", "spouse") and rng.random() < 0.03:
        tags.add("孕产妇")
    if age >= 18:  # the sensitive ones: a few
        for tag, rate, low, high in (("严重精神障碍患者", 0.004, 18, 90), ("刑满释放人员", 0.003, 25, 70),
                                     ("社区矫正对象", 0.0008, 18, 65), ("吸毒人员", 0.0008, 20, 55),
                                     ("重点信访人员", 0.001, 35, 80)):
            if low <= age <= high and rng.random() < rate:
                tags.add(tag)
    return rs.check_tags(tags)


def _plan_people(rng: random.Random, houses: list[HousePlan], today: date) -> list[PersonPlan]:
    people: list[PersonPlan] = []
    taken: set[str] = set()
    vacant_by_street = defaultdict(list)
    for house in houses:
        if house.occupancy == House.Occupancy.VACANT and house.use != House.Use.COMMERCIAL:
            vacant_by_street[house.street_code].append(house.address)
    for house in houses:
        if house.occupancy == House.Occupancy.VACANT or house.use == House.Use.COMMERCIAL:
            continue
        renters = house.occupancy == House.Occupancy.RENTED
        if renters:
            residence = _pick(rng, [(Person.ResidenceType.FLOATING, 73), (Person.ResidenceType.FOREIGN, 34),
                                    (Person.ResidenceType.REGISTERED, 8)])
        else:
            residence = _pick(rng, [(Person.ResidenceType.REGISTERED, 85), (Person.ResidenceType.FLOATING, 15)])
        if residence == Person.ResidenceType.FOREIGN:
            shape = _pick(rng, [("single", 6), ("couple", 3), ("shared", 1)])
        elif residence == Person.ResidenceType.REGISTERED and not renters:
            shape = _pick(rng, OWNER_HOUSEHOLDS)
        elif renters:
            shape = _pick(rng, RENTER_HOUSEHOLDS)
        else:  # floating owners: bought a flat without moving their household registration
            shape = _pick(rng, [("couple", 3), ("family1", 5), ("family2", 2), ("three_generations", 2)])
        members = _household(rng, shape, renters)
        hkmo = rng.choice(HKMO) if residence == Person.ResidenceType.FOREIGN else None
        if hkmo:  # stdnum knows these codes for births from 1997 (HK) / 1999 (Macao) on
            first_year = 1997 if hkmo == "810000" else 1999
            for m in members:
                m.age = rng.randint(20, REFERENCE_YEAR - 1 - first_year)
        # where the household comes from
        pool = "suzhou" if residence == Person.ResidenceType.REGISTERED else \
            _pick(rng, [("jiangsu", 15), ("other", 85)])
        if residence == Person.ResidenceType.REGISTERED and rng.random() < 0.45:  # registered here, born elsewhere
            pool = _pick(rng, [("jiangsu", 45), ("other", 55)])
        family_surname = rng.choice(SURNAMES_HKMO if hkmo else SURNAMES_LOCAL if pool == "suzhou" else SURNAMES_ALL)
        household_tags = set()
        if residence == Person.ResidenceType.REGISTERED and rng.random() < 0.018:
            household_tags.add("低保户")
        if shape == "elderly_alone" and residence == Person.ResidenceType.REGISTERED and rng.random() < 0.03:
            household_tags.add("特困人员")
        if shape == "elderly_couple" and rng.random() < 0.7:
            household_tags.add("空巢老人")
        head_code = None
        arrival = today - timedelta(days=int(20 + rng.random() ** 1.6 * 3600))
        moved_from = moved_at = None
        vacant = vacant_by_street.get(house.street_code) or [a for v in vacant_by_street.values() for a in v]
        if vacant and rng.random() < (0.10 if residence != Person.ResidenceType.REGISTERED else 0.03):
            moved_from = rng.choice(vacant)
            earliest = max(arrival, today - timedelta(days=3 * 365)) if residence != Person.ResidenceType.REGISTERED \
                else today - timedelta(days=3 * 365)
            span = max(1, (today - timedelta(days=7) - earliest).days)
            moved_at = timezone.make_aware(datetime.combine(earliest + timedelta(days=rng.randrange(span)),
                                                            time(rng.randint(9, 17), rng.randrange(60))))
        registered_on, permit = _permit_dates(rng, today, arrival)
        for member in members:
            born = REFERENCE_YEAR - 1 - member.age
            birth = date(born, rng.randint(1, 12), 1)
            birth = birth.replace(day=rng.randint(1, 28 if birth.month == 2 else 30 if birth.month in (4, 6, 9, 11) else 31))
            if hkmo:
                region = hkmo if counties()[hkmo].name_in(born) else None
                if region is None:
                    continue
            elif member.role == "child" and residence == Person.ResidenceType.REGISTERED:
                region = county_for(rng, "suzhou", born)  # born and registered here
            elif member.role in ("head", "child", "parent") or (member.role == "spouse" and rng.random() < 0.6):
                region = county_for(rng, pool, born, prefer=head_code)
            else:
                region = county_for(rng, pool if rng.random() < 0.7 else "jiangsu", born)
            if member.role == "head":
                head_code = region
            for _ in range(20):
                number = identity_number(region, birth, member.sex, rng)
                if number not in taken:
                    break
            if number in taken:
                continue
            taken.add(number)
            surname = family_surname if member.role in ("head", "child") or (member.role == "parent" and member.sex == "M") \
                else rng.choice(SURNAMES_HKMO if hkmo else SURNAMES_ALL)
            name = person_name(rng, surname, member.sex, born, hkmo=bool(hkmo))
            phone = "" if member.age < 14 or (member.age >= 80 and rng.random() < 0.4) else mobile(rng)
            county = counties()[region]
            if hkmo:
                household_address = county.name_in(born) or ""
            elif residence == Person.ResidenceType.REGISTERED and not renters and (
                    member.role != "flatmate" and region[:4] in ("3205", "3227") or rng.random() < 0.8):
                household_address = house.address  # registered at the family's own flat
            elif residence == Person.ResidenceType.REGISTERED:
                household_address = f"苏州工业园区{house.community}集体户"
            else:
                household_address = (f"{county.province}{county.city}{county.name_in(born) or ''}"
                                     f"{rng.choice(TOWNS)}{rng.choice(VILLAGES)}")
            born_here = moved_at is not None and birth >= moved_at.date()  # a baby born after the move did not move
            plan = PersonPlan(number, name, phone, household_address, house.address, residence,
                              _tags(rng, member, shape, residence, household_tags),
                              moved_from=None if born_here else moved_from, moved_at=None if born_here else moved_at)
            if residence != Person.ResidenceType.REGISTERED:
                plan.arrival_date = max(arrival, birth)
                if member.age >= 16:
                    plan.registered_on, plan.permit_expires_on = registered_on, permit
                    if hkmo and permit is None and registered_on:  # 港澳居民: registered within a day, 5-year permit
                        plan.permit_expires_on = registered_on + timedelta(days=5 * 365)
            people.append(plan)
    return people


# ---------------------------------------------------------------------------------------------------------------
# Organisations

ORG_KINDS = [("企业", 55), ("个体工商户", 33), ("社会组织", 6), ("机关事业单位", 6)]
FIRM_WORDS = ("华创 博远 恒信 瑞达 科沃 凌云 海纳 启明 新锐 德润 中科 汇智 联创 天成 优品 鼎盛 睿思 晶华 东瑞 星宇 "
              "金桥 普惠 嘉禾 长风 宏图 卓越 云帆 智汇 万方 天和 信达 绿源 百川 奥新 迈瑞 苏泰 新纪元 华兴 合力 同创").split()
FIRM_TRADES = [("科技", 10), ("信息技术", 6), ("电子", 5), ("生物医药", 4), ("新材料", 3), ("智能装备", 3), ("贸易", 5),
               ("物业管理", 4), ("建筑工程", 3), ("人力资源", 2), ("餐饮管理", 3), ("教育科技", 2), ("医疗器械", 2),
               ("文化传媒", 2), ("环保科技", 2), ("汽车服务", 2), ("精密机械", 2), ("半导体", 2)]
SHOPS = ["餐饮店", "面馆", "小吃店", "便利店", "水果店", "理发店", "洗衣店", "五金店", "烟酒店", "超市", "药房", "花店",
         "早餐店", "奶茶店", "修车行", "干洗店", "眼镜店", "快递服务部", "文具店", "烘焙坊"]
SOCIAL = ["社会工作服务中心", "养老服务中心", "志愿者协会", "文化艺术团", "青少年发展中心", "邻里互助会", "公益服务社"]
PUBLIC = ["幼儿园", "实验小学", "社区卫生服务站", "社区党群服务中心", "文体中心", "社区服务中心"]


def _plan_organisations(rng: random.Random, grids: list[_Grid], special: list[_Grid], count: int) -> list[OrganisationPlan]:
    orgs: list[OrganisationPlan] = []
    streets: list[Region | None] = []
    names: set[str] = set()
    codes: set[str] = set()
    while len(orgs) < count:
        kind = _pick(rng, ORG_KINDS)
        in_special = special and (kind == "企业" and rng.random() < 0.6 or kind == "机关事业单位" and rng.random() < 0.4)
        grid = rng.choice(special if in_special else grids)
        place = grid.community.name.removesuffix("社区") if grid.community else ""
        street = grid.street.name if grid.street else ""
        boss = person_name(rng, rng.choice(SURNAMES_ALL), _pick(rng, [("M", 7), ("F", 3)]), rng.randint(1960, 1995))
        if kind == "企业":
            name = f"苏州{'工业园区' if rng.random() < 0.3 else ''}{rng.choice(FIRM_WORDS)}{_pick(rng, FIRM_TRADES)}有限公司"
        elif kind == "个体工商户":
            shop = rng.choice(SHOPS)
            who = rng.choice([boss[0] + "记", boss[0] + "氏", place, rng.choice(FIRM_WORDS)])
            name = f"苏州工业园区{street.removesuffix('街道')}{who}{shop}"
        elif kind == "社会组织":
            name = f"苏州工业园区{rng.choice([place, street.removesuffix('街道'), rng.choice(FIRM_WORDS)])}{rng.choice(SOCIAL)}"
        else:
            name = f"苏州工业园区{rng.choice([place, street.removesuffix('街道')])}{rng.choice(PUBLIC)}"
        if name in names:
            continue
        code = credit_code(rng, kind)
        if code in codes:
            continue
        names.add(name)
        codes.add(code)
        road = rng.choice(ROADS.get(grid.street.code if grid.street else "", ()) or ROADS["320506012"])
        address = f"{street}{road}{rng.randrange(1, 600)}号"
        if kind == "企业" and rng.random() < 0.5:
            address += f"{rng.randint(1, 12)}幢{rng.randint(1, 20)}{rng.randint(1, 30):02d}室"
        phone = f"0512-6{rng.randrange(10 ** 7):07d}" if rng.random() < 0.6 else mobile(rng)
        polygon = grid.inner if not in_special else grid.shape
        lon, lat = _point_in(rng, polygon)
        orgs.append(OrganisationPlan(code, name, kind, address, boss, phone, lon, lat))
        streets.append(grid.street)
    # a special-purpose grid (a factory, a school) may lie beyond every comprehensive grid, where the locator places
    # nothing: such an organisation moves into a comprehensive grid of its street
    grid_ids, _ = locate_points(np.array([o.lon for o in orgs]), np.array([o.lat for o in orgs]))
    for org, street, grid_id in zip(orgs, streets, grid_ids, strict=True):
        if not grid_id:
            choices = [g for g in grids if g.street == street] or grids
            org.lon, org.lat = _point_in(rng, rng.choice(choices).inner)
    return orgs


# ---------------------------------------------------------------------------------------------------------------
# City components (GB/T 30428 classes of the shipped taxonomy)

# class code -> (relative mean count per grid, placed along the grid's edge (the roads that bound most grids) or inside)
COMPONENT_MIX = {
    "B0101": (0.5, "edge"), "B0102": (0.8, "edge"), "B0103": (1.2, "edge"), "B0104": (0.6, "edge"),
    "B0105": (0.4, "edge"), "B0106": (0.2, "edge"), "B0107": (0.5, "edge"), "B0108": (0.15, "edge"),
    "B0109": (0.1, "edge"), "B0111": (0.3, "edge"), "B0112": (0.05, "edge"), "B0114": (0.05, "edge"),
    "B0113": (0.6, "inside"), "B0115": (0.2, "edge"), "B0116": (0.3, "inside"), "B0117": (0.2, "edge"),
    "B0118": (2.0, "edge"), "B0119": (0.2, "inside"), "B0120": (0.3, "inside"), "B0121": (0.03, "edge"),
    "B0126": (0.3, "inside"), "B0127": (0.1, "inside"),
    "B0201": (0.1, "inside"), "B0203": (0.25, "edge"), "B0205": (0.02, "edge"), "B0206": (0.01, "edge"),
    "B0208": (0.03, "edge"), "B0209": (0.5, "edge"), "B0210": (0.05, "edge"),
    "B0211": (0.2, "edge"), "B0212": (0.2, "inside"), "B0213": (0.3, "edge"), "B0214": (0.1, "edge"),
    "B0301": (0.05, "inside"), "B0302": (0.1, "inside"), "B0304": (0.2, "inside"), "B0305": (1.2, "edge"),
    "B0306": (0.1, "edge"), "B0307": (0.2, "edge"), "B0308": (0.01, "inside"),
    "B0401": (0.01, "inside"), "B0402": (0.3, "edge"), "B0403": (0.1, "edge"), "B0404": (0.1, "inside"),
    "B0405": (0.1, "inside"), "B0406": (0.03, "inside"), "B0407": (0.3, "inside"), "B0408": (0.1, "inside"),
    "B0501": (0.2, "inside"), "B0502": (0.03, "inside"), "B0503": (0.02, "inside"),
    "B0601": (0.005, "inside"), "B0602": (0.03, "inside"), "B0603": (0.05, "edge"), "B0604": (0.005, "inside"),
}
# owners for classes the responsibility list does not name: None means the grid's street office (属地管理)
OWNER_FALLBACK = {"B0126": None, "B0501": None, "B0212": "CGJ", "B0111": "RQGS", "B0127": "RQGS"}


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _component_owners(classes: list[str]) -> dict[str, str | None]:
    owners = dict(ResponsibilityItem.objects.filter(is_active=True, region__isnull=True, category__code__in=classes)
                  .order_by("category__code", "pk").values_list("category__code", "department__code"))
    return {c: owners.get(c, OWNER_FALLBACK.get(c)) for c in classes}


def _plan_components(rng: random.Random, grids: list[_Grid]) -> list[ComponentPlan]:
    names = dict(Category.objects.filter(kind=CategoryKind.COMPONENT, code__in=list(COMPONENT_MIX))
                 .values_list("code", "name"))
    classes = [c for c in COMPONENT_MIX if c in names]  # only classes the loaded taxonomy has
    if not classes or not grids:
        return []
    owners = _component_owners(classes)
    per_grid = sum(COMPONENT_MIX[c][0] for c in classes)
    scale = min(COMPONENTS_PER_GRID, MAX_COMPONENTS / len(grids)) / per_grid
    components: list[ComponentPlan] = []
    for grid in grids:
        for class_code in classes:
            mean, where = COMPONENT_MIX[class_code]
            for seq in range(1, _poisson(rng, mean * scale) + 1):
                lon, lat = (_point_on_edge if where == "edge" else _point_in)(rng, grid.inner)
                cover = class_code < "B0115" and class_code != "B0113"
                status = _pick(rng, [(Component.Status.GOOD, 90), (Component.Status.DAMAGED, 6),
                                     (Component.Status.MISSING, 3 if cover else 1), (Component.Status.REMOVED, 1)])
                owner = owners[class_code]
                if owner is None and grid.street is not None:
                    owner = f"JDB{grid.street.code}"
                components.append(ComponentPlan(f"{grid.region.code}-{class_code}-{seq:03d}", class_code,
                                                names[class_code], lon, lat, status, owner))
    return components


# ---------------------------------------------------------------------------------------------------------------


def plan_registry(*, today: date | None = None, focus_grids=(), seed: int = SEED) -> RegistryPlan:
    """What the demo registry holds for the tree as loaded (reads the tree and the taxonomy, writes nothing)."""
    today = today or timezone.localdate()
    comprehensive = _grids(GridKind.COMPREHENSIVE)
    if not comprehensive:
        return RegistryPlan()
    special = _grids(GridKind.SPECIAL)
    focus = {g.pk for g in focus_grids}
    plan = RegistryPlan()
    # one random stream per part: a change to one part leaves the others as they were
    plan.houses = _plan_houses(random.Random(f"{seed}-houses"), comprehensive, focus)
    plan.people = _plan_people(random.Random(f"{seed}-people"), plan.houses, today)
    count = min(MAX_ORGANISATIONS, max(50, len(comprehensive)))
    plan.organisations = _plan_organisations(random.Random(f"{seed}-organisations"), comprehensive, special, count)
    plan.components = _plan_components(random.Random(f"{seed}-components"), comprehensive)
    return plan


# ---------------------------------------------------------------------------------------------------------------
# The demo seed: writes the plan's missing records in bulk (see the module's docstring)


@dataclass
class RegistryCounts:
    houses: int = 0
    people: int = 0
    moves: int = 0
    organisations: int = 0
    components: int = 0
    outside: int = 0  # planned records whose point the locator placed outside the jurisdiction (not written)
    seconds: float = 0.0

    @property
    def created(self) -> int:
        return self.houses + self.people + self.organisations + self.components

    def format(self) -> str:
        by_type = dict(Person.objects.values_list("residence_type").annotate(n=models.Count("id")))
        kinds = " / ".join(f"{label.split('(')[-1].rstrip(')')} {by_type.get(value, 0)}"
                           for value, label in Person.ResidenceType.choices)
        made = f"{self.created} records created now" if self.created else "nothing new (all there already)"
        return (f"registry: {House.objects.count()} houses, {Person.objects.count()} people ({kinds}), "
                f"{PersonMove.objects.count()} moves, {Organisation.objects.count()} organisations, "
                f"{Component.objects.count()} components; {made} in {self.seconds:.1f} s")


def _existing(model, field_name: str, values: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), 2000):
        chunk = values[start:start + 2000]
        found.update(model.objects.filter(**{f"{field_name}__in": chunk}).values_list(field_name, flat=True))
    return found


def _placed(lons: list[float], lats: list[float]) -> list[tuple[int, str] | None]:
    """(grid id, grid path) of each point as the services' locator places it, None outside the jurisdiction."""
    if not lons:
        return []
    grid_ids, _ = locate_points(np.array(lons, dtype=float), np.array(lats, dtype=float))
    paths = dict(Region.objects.filter(pk__in={int(g) for g in grid_ids if g}).values_list("pk", "path"))
    return [(int(g), paths[int(g)]) if g else None for g in grid_ids]


def _creation_rows(objects, fields: list[str]) -> list[ChangeRecord]:
    """The change-history row `save_with_history` writes for a new record."""
    return [ChangeRecord(model_label=o._meta.label_lower, object_id=str(o.pk), object_repr=str(o)[:200],
                         action=ChangeRecord.Action.CREATE, source=SOURCE,
                         changes={k: [None, v] for k, v in snapshot(o, fields).items()}) for o in objects]


def _seed_houses(plan: RegistryPlan, counts: RegistryCounts) -> None:
    known = _existing(House, "address", [h.address for h in plan.houses])
    todo = [h for h in plan.houses if h.address not in known]
    houses = []
    for h, place in zip(todo, _placed([h.lon for h in todo], [h.lat for h in todo]), strict=True):
        if place is None:
            counts.outside += 1
            continue
        houses.append(House(address=h.address.strip(), building=h.building, unit=h.unit, room=h.room, use=h.use,
                            occupancy=h.occupancy, lon=float(h.lon), lat=float(h.lat), grid_id=place[0],
                            region_path=place[1]))
    House.objects.bulk_create(houses, batch_size=1000)
    ChangeRecord.objects.bulk_create(_creation_rows(houses, rs.HOUSE_FIELDS), batch_size=1000)
    counts.houses = len(houses)


def _seed_people(plan: RegistryPlan, counts: RegistryCounts) -> None:
    digests = [lookup_hash(p.id_number) for p in plan.people]
    known = _existing(Person, "id_number_hash", digests)
    todo = []
    for p, digest in zip(plan.people, digests, strict=True):
        if digest in known:
            continue
        # the service's own checks: a bad draw fails loudly here rather than in the database
        number, birth, sex = rs.check_id_number(p.id_number)
        assert lookup_hash(number) == digest, "plan identity numbers are in their normal form"
        todo.append((p, number, birth, sex, digest, rs.check_phone(p.phone), rs.check_tags(p.tags)))
    addresses = sorted({c[0].house_address for c in todo} | {c[0].moved_from for c in todo if c[0].moved_from})
    houses = {}
    for start in range(0, len(addresses), 2000):
        houses.update({h.address: h for h in House.objects.filter(address__in=addresses[start:start + 2000])
                       .only("pk", "address", "grid_id", "region_path")})
    people, moves, tag_rows = [], [], []
    for p, number, birth, sex, digest, phone, tags in todo:
        house = houses.get(p.house_address)
        if house is None:  # its house was placed outside the jurisdiction
            continue
        person = Person(id_number_hash=digest, id_number_encrypted=encrypt(number), id_number_tail=number[-4:],
                        name=p.name.strip(), sex=sex, birth_date=birth, phone_hash=lookup_hash(phone),
                        phone_encrypted=encrypt(phone), household_address=p.household_address, house=house,
                        grid_id=house.grid_id, region_path=house.region_path, residence_type=p.residence_type,
                        arrival_date=p.arrival_date, registered_on=p.registered_on,
                        permit_expires_on=p.permit_expires_on, tags_hash=rs.tags_digest(tags),
                        tags_encrypted=encrypt(json.dumps(tags, ensure_ascii=False)) if tags else "")
        people.append((person, tags, houses.get(p.moved_from) if p.moved_from else None, p.moved_at))
    Person.objects.bulk_create([p for p, *_ in people], batch_size=1000)
    history = []
    for person, tags, moved_from, moved_at in people:
        tag_rows += [PersonTag(person=person, tag_hash=rs.tag_hash(t)) for t in tags]
        row = _creation_rows([person], rs.PERSON_FIELDS)[0]
        if moved_from is not None:  # created at the old house, then moved: the service's two history rows
            row.changes["house_id"] = [None, moved_from.pk]
            history.append(row)
            row = ChangeRecord(model_label=row.model_label, object_id=row.object_id, object_repr=row.object_repr,
                               action=ChangeRecord.Action.UPDATE, source=SOURCE,
                               changes={"house_id": [moved_from.pk, person.house_id]})
            moves.append(PersonMove(person=person, from_house=moved_from, to_house_id=person.house_id,
                                    moved_at=moved_at, source=SOURCE))
        history.append(row)
    PersonTag.objects.bulk_create(tag_rows, batch_size=1000)
    PersonMove.objects.bulk_create(moves, batch_size=1000)
    ChangeRecord.objects.bulk_create(history, batch_size=1000)
    counts.people, counts.moves = len(people), len(moves)


def _seed_organisations(plan: RegistryPlan, counts: RegistryCounts) -> None:
    checked = [(o, rs.check_credit_code(o.credit_code), rs.check_phone(o.contact_phone, "contact_phone"))
               for o in plan.organisations]
    known = _existing(Organisation, "credit_code", [c[1] for c in checked])
    todo = [c for c in checked if c[1] not in known]
    orgs = []
    for (o, code, phone), place in zip(todo, _placed([c[0].lon for c in todo], [c[0].lat for c in todo]), strict=True):
        if place is None:
            counts.outside += 1
            continue
        orgs.append(Organisation(credit_code=code, name=o.name.strip(), kind=o.kind, address=o.address,
                                 legal_representative=o.legal_representative, contact_phone_encrypted=encrypt(phone),
                                 lon=float(o.lon), lat=float(o.lat), grid_id=place[0], region_path=place[1]))
    Organisation.objects.bulk_create(orgs, batch_size=1000)
    ChangeRecord.objects.bulk_create(_creation_rows(orgs, rs.ORGANISATION_FIELDS), batch_size=1000)
    counts.organisations = len(orgs)


def _seed_components(plan: RegistryPlan, counts: RegistryCounts) -> None:
    known = _existing(Component, "code", [c.code for c in plan.components])
    todo = [c for c in plan.components if c.code not in known]
    departments = {d.code: d.pk for d in Department.objects.filter(code__in={c.owner_code for c in todo if c.owner_code})}
    components = []
    for c, place in zip(todo, _placed([c.lon for c in todo], [c.lat for c in todo]), strict=True):
        if not re.fullmatch(r"B\d{4}", c.class_code) or c.status not in Component.Status.values:
            raise rs.RegistryInputError("class_code", f"{c.code}: {c.class_code} / {c.status}")  # as the service would
        if place is None:
            counts.outside += 1
            continue
        components.append(Component(code=c.code, class_code=c.class_code, name=c.name, lon=float(c.lon),
                                    lat=float(c.lat), status=c.status, owner_department_id=departments.get(c.owner_code),
                                    grid_id=place[0], region_path=place[1]))
    Component.objects.bulk_create(components, batch_size=1000)
    ChangeRecord.objects.bulk_create(_creation_rows(components, rs.COMPONENT_FIELDS), batch_size=1000)
    counts.components = len(components)


@transaction.atomic
def seed_registry(plan: RegistryPlan) -> RegistryCounts:
    """Write the records of `plan` that are not there yet (by natural key), in bulk, with their history rows."""
    counts = RegistryCounts()
    _seed_houses(plan, counts)
    _seed_people(plan, counts)
    _seed_organisations(plan, counts)
    _seed_components(plan, counts)
    return counts


def build_registry(*, focus_grids=(), today: date | None = None) -> RegistryCounts:
    """Generate the demo registry for the tree as loaded and write what is missing. Returns what was created."""
    started = perf_counter()
    counts = seed_registry(plan_registry(today=today, focus_grids=focus_grids))
    counts.seconds = perf_counter() - started
    return counts
