"""Builds the demo district: the real 苏州工业园区 region tree, its departments, people for every role, the base data
(houses, residents, organisations, city components) and months of cases.

Every step is an upsert through the apps' services, so running it again changes nothing and duplicates nothing; the
base data, tens of thousands of rows, is a bulk demo seed keyed the same way (see demo/registry.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.conf import settings
from django.db import transaction
from shapely.geometry import shape

from civicgrid.cases.models import Case
from civicgrid.cases.responsibility import import_responsibility_list
from civicgrid.cases.taxonomy import load_categories
from civicgrid.demo.cases import generate_cases
from civicgrid.demo.catalogue import DEMO_PASSWORD, DEMO_USERS, DEPARTMENTS, grid_worker_name
from civicgrid.demo.registry import build_registry
from civicgrid.geo.importing import import_regions
from civicgrid.geo.models import GridKind, Region, RegionLevel
from civicgrid.geo.services import upsert_region
from civicgrid.open311.models import ApiKey
from civicgrid.open311.services import create_key, digest
from civicgrid.people.models import Department, Role, ScopeGrant, User
from civicgrid.people.services import set_scope, upsert_department, upsert_user

SAMPLE_DIR = Path(__file__).parent / "data" / "sip-sample"
RESPONSIBILITY_SAMPLE = Path(__file__).resolve().parents[1] / "cases" / "data" / "responsibility_sample.xlsx"
SOURCE = "demo"

# file names in the full data set and in the shipped sample
FULL_FILES = {
    "streets": "sip_streets_wgs84.geojson",
    "communities": "sip_communities_wgs84.geojson",
    "comprehensive": "sip_grids_zonghe_wgs84.geojson",
    "special": "sip_grids_zhuanshu_wgs84.geojson",
}
SAMPLE_FILES = {
    "streets": "streets.geojson",
    "communities": "communities.geojson",
    "comprehensive": "grids_comprehensive.geojson",
    "special": "grids_special.geojson",
}

CITY = ("320500", "苏州市")
DISTRICT = ("320571", "苏州工业园区")


@dataclass
class DemoReport:
    source: str
    lines: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    open311_key: str = ""


def region_files(use_sample: bool) -> tuple[str, dict[str, Path]]:
    full_dir = Path(settings.SHARED_DATA_DIR) / "sip-grid"
    if not use_sample and all((full_dir / name).exists() for name in FULL_FILES.values()):
        return f"full data set {full_dir}", {k: full_dir / v for k, v in FULL_FILES.items()}
    return f"shipped sample {SAMPLE_DIR}", {k: SAMPLE_DIR / v for k, v in SAMPLE_FILES.items()}


def _district_outline(streets_file: Path):
    features = json.loads(streets_file.read_text(encoding="utf-8"))["features"]
    return shapely.union_all([shape(f["geometry"]) for f in features]).buffer(0)


def load_regions(files: dict[str, Path], report: DemoReport) -> None:
    city = upsert_region(code=CITY[0], name=CITY[1], full_name=CITY[1], level=RegionLevel.CITY, parent=None,
                         keep_geometry=True, source=SOURCE).region
    upsert_region(code=DISTRICT[0], name=DISTRICT[1], full_name=DISTRICT[1], level=RegionLevel.DISTRICT, parent=city,
                  geometry=_district_outline(files["streets"]), source=SOURCE)
    steps = [
        ("streets", dict(level="street", code_field="street_code_9", name_field="name", parent_code=DISTRICT[0])),
        ("communities", dict(level="community", code_field="社区编码_12位数字", name_field="社区名称",
                             parent_field="street_code_9", skip_invalid=True)),
        ("comprehensive", dict(level="grid", code_field="网格编码_15位数字", name_field="网格名称",
                               full_name_field="网格全称", parent_field="community_code_12",
                               grid_kind=GridKind.COMPREHENSIVE, skip_invalid=True)),
        ("special", dict(level="grid", code_field="网格编码_15位数字", name_field="网格名称",
                         full_name_field="网格全称", parent_field="community_code_12",
                         grid_kind=GridKind.SPECIAL, skip_invalid=True)),
    ]
    for key, options in steps:
        lines = import_regions(files[key], **options).format().splitlines()
        report.lines.append(lines[0])
        report.lines.extend(f"  {line}" for line in lines[1:])


def load_departments(report: DemoReport) -> dict[str, Department]:
    departments = {}
    for code, name, short, kind in DEPARTMENTS:
        departments[code] = upsert_department(code=code, name=name, short_name=short, kind=kind, source=SOURCE)[0]
    for street in Region.objects.filter(level=RegionLevel.STREET).subtree(_district().path):
        code = f"JDB{street.code}"
        departments[code] = upsert_department(code=code, name=f"{street.name}办事处", short_name=street.name,
                                              kind=Department.Kind.STREET_OFFICE, region=street, source=SOURCE)[0]
    report.lines.append(f"departments: {len(departments)}")
    return departments


def _district() -> Region:
    return Region.objects.get(code=DISTRICT[0])


def _demo_area() -> tuple[Region, Region, list[Region]]:
    """The street, community and grids the demo's street staff, community staff and grid worker look after."""
    street = Region.objects.filter(level=RegionLevel.STREET).subtree(_district().path).order_by("code").first()
    community = (
        Region.objects.filter(level=RegionLevel.COMMUNITY, parent=street)
        .filter(children__grid_kind=GridKind.COMPREHENSIVE).order_by("code").first()
    )
    grids = list(Region.objects.filter(parent=community, grid_kind=GridKind.COMPREHENSIVE).order_by("code")[:3])
    return street, community, grids


def load_people(departments: dict[str, Department], report: DemoReport) -> None:
    district = _district()
    street, community, my_grids = _demo_area()
    scopes = {"district": [district], "street": [street], "community": [community], "grids": my_grids, None: []}
    for username, role, display_name, department_code, scope in DEMO_USERS:
        user, _ = upsert_user(username=username, role=role, display_name=display_name,
                              department=departments.get(department_code), password=DEMO_PASSWORD, source=SOURCE)
        set_scope(user, scopes[scope], source=SOURCE)
        report.logins.append((username, DEMO_PASSWORD, f"{user.get_role_display()} · {display_name}"))
    # Every other comprehensive grid gets a grid worker of its own (no password: they sign in once given one).
    taken = set(ScopeGrant.objects.filter(user__role=Role.GRID_WORKER).values_list("region_id", flat=True))
    grids = Region.objects.filter(grid_kind=GridKind.COMPREHENSIVE).subtree(district.path).order_by("code")
    created = 0
    for n, grid in enumerate(grids, start=1):
        if grid.pk in taken:
            continue
        username = f"gw{grid.code}"
        if not User.objects.filter(username=username).exists():
            user, _ = upsert_user(username=username, role=Role.GRID_WORKER, display_name=grid_worker_name(n), source=SOURCE)
            set_scope(user, [grid], source=SOURCE)
            created += 1
    report.lines.append(f"grid workers: {created} new, {ScopeGrant.objects.filter(user__role=Role.GRID_WORKER).count()} grid assignments")


def load_case_reference_data(report: DemoReport) -> None:
    """The GB/T 30428 + 12345 taxonomy and the sample responsibility list (责任清单)."""
    counts = load_categories(source="demo")
    report.lines.append(f"categories: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged")
    result = import_responsibility_list(RESPONSIBILITY_SAMPLE, source="demo")
    report.lines.append(f"responsibility list: {result.summary()}")
    report.lines.extend(f"  {p}" for p in result.errors)


def load_registry(report: DemoReport) -> None:
    """The base data: compounds, households, organisations, city components (generated; see demo/registry.py).
    The demo logins' community gets more houses than the others."""
    _, community, _ = _demo_area()
    focus = list(Region.objects.filter(parent=community, grid_kind=GridKind.COMPREHENSIVE)) if community else []
    report.lines.append(build_registry(focus_grids=focus).format())


DEMO_OPEN311_KEY = "cg311-demo-not-secret-open311-key"


def ensure_open311_key(report: DemoReport) -> None:
    """A known Open311 api_key for trying POST requests against the demo (printed with the logins)."""
    if not ApiKey.objects.filter(key_hash=digest(DEMO_OPEN311_KEY)).exists():
        create_key("演示应用 (demo)", raw=DEMO_OPEN311_KEY, source=SOURCE)
    report.open311_key = DEMO_OPEN311_KEY


def build_demo(*, use_sample: bool = False, cases: int = 2000) -> DemoReport:
    source, files = region_files(use_sample)
    report = DemoReport(source=source)
    with transaction.atomic():
        load_regions(files, report)
        departments = load_departments(report)
        load_people(departments, report)
        load_case_reference_data(report)
        ensure_open311_key(report)
    load_registry(report)  # before the cases, which name the components and houses they are about
    made = generate_cases(cases)
    report.lines.append(f"cases: {made} generated" if made else
                        f"cases: demo history already there ({Case.objects.count()} cases)")
    return report
