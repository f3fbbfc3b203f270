"""Shared fixtures: a small synthetic region tree (two streets, squares as polygons) and people for every role."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from shapely.geometry import box

from civicgrid.geo.locator import forget_index
from civicgrid.geo.models import GridKind, Region, RegionLevel
from civicgrid.geo.services import upsert_region
from civicgrid.people.models import Department, Role
from civicgrid.people.services import set_scope, upsert_department, upsert_user

PASSWORD = "Test-pass-2026"
SHARED_DATA = Path(settings.SHARED_DATA_DIR)


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data; the calling test is skipped, saying so, when the data set is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data set not present: {path} (set CIVICGRID_SHARED_DATA to the shared/data folder)")
    return path


@dataclass
class Tree:
    city: Region
    district: Region
    street_a: Region
    street_b: Region
    community_a1: Region
    community_a2: Region
    community_b1: Region
    grids: dict[str, Region]


def _region(code, name, level, parent, geom=None, kind=GridKind.NONE):
    return upsert_region(code=code, name=name, level=level, parent=parent, geometry=geom, grid_kind=kind,
                         full_name=name, source="test").region


@pytest.fixture
def tree(db) -> Tree:
    """苏州 -> 园区 -> 2 streets; street A: 2 communities with 2 grids each; street B: 1 community with 2 grids.

    Grids are 0.01° squares laid out from (120.70, 31.30); a special-purpose grid overlaps grid A1-1.
    """
    forget_index()
    city = _region("320500", "苏州市", RegionLevel.CITY, None)
    district = _region("320571", "苏州工业园区", RegionLevel.DISTRICT, city, box(120.68, 31.28, 120.76, 31.34))
    street_a = _region("320571001", "甲街道", RegionLevel.STREET, district, box(120.70, 31.30, 120.74, 31.31))
    street_b = _region("320571002", "乙街道", RegionLevel.STREET, district, box(120.70, 31.31, 120.72, 31.32))
    ca1 = _region("320571001001", "甲一社区", RegionLevel.COMMUNITY, street_a, box(120.70, 31.30, 120.72, 31.31))
    ca2 = _region("320571001002", "甲二社区", RegionLevel.COMMUNITY, street_a, box(120.72, 31.30, 120.74, 31.31))
    cb1 = _region("320571002001", "乙一社区", RegionLevel.COMMUNITY, street_b, box(120.70, 31.31, 120.72, 31.32))
    grids = {}
    for community, x0, y0 in ((ca1, 120.70, 31.30), (ca2, 120.72, 31.30), (cb1, 120.70, 31.31)):
        for i in (1, 2):
            code = f"{community.code}00{i}"
            geom = box(x0 + (i - 1) * 0.01, y0, x0 + i * 0.01, y0 + 0.01)
            grids[code] = _region(code, f"{community.name}网格{i}", RegionLevel.GRID, community, geom, GridKind.COMPREHENSIVE)
    special = f"{ca1.code}801"
    grids[special] = _region(special, "甲一社区专属网格1", RegionLevel.GRID, ca1, box(120.700, 31.300, 120.705, 31.305),
                             GridKind.SPECIAL)
    return Tree(city, district, street_a, street_b, ca1, ca2, cb1, grids)


@pytest.fixture
def department(db) -> Department:
    return upsert_department(code="CG", name="区城市管理局", kind=Department.Kind.BUREAU, source="test")[0]


@pytest.fixture
def make_user(db):
    def make(username: str, role: str, regions: list[Region] = (), department: Department | None = None):
        user, _ = upsert_user(username=username, role=role, display_name=username, department=department,
                              password=PASSWORD, source="test")
        if regions:
            set_scope(user, list(regions), source="test")
        return user

    return make


@pytest.fixture
def people(tree, department, make_user):
    """One user per role; staff scopes: street staff of street A, community staff of A1, a grid worker of two grids."""
    g = tree.grids
    return {
        Role.RESIDENT: make_user("resident", Role.RESIDENT),
        Role.HOTLINE_OPERATOR: make_user("operator", Role.HOTLINE_OPERATOR, [tree.district]),
        Role.DISPATCHER: make_user("dispatcher", Role.DISPATCHER, [tree.district]),
        Role.DEPARTMENT_HANDLER: make_user("handler", Role.DEPARTMENT_HANDLER, [tree.district], department),
        Role.GRID_WORKER: make_user("gridworker", Role.GRID_WORKER, [g["320571001001001"], g["320571001001002"]]),
        Role.COMMUNITY_STAFF: make_user("community", Role.COMMUNITY_STAFF, [tree.community_a1]),
        Role.STREET_STAFF: make_user("street", Role.STREET_STAFF, [tree.street_a]),
        Role.LEADER: make_user("leader", Role.LEADER, [tree.district]),
        Role.DATA_ADMIN: make_user("dataadmin", Role.DATA_ADMIN, [tree.district]),
        Role.SYSTEM_ADMIN: make_user("sysadmin", Role.SYSTEM_ADMIN),
        Role.SECURITY_ADMIN: make_user("secadmin", Role.SECURITY_ADMIN),
        Role.AUDIT_ADMIN: make_user("auditadmin", Role.AUDIT_ADMIN),
    }


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """The grid index and the holiday calendar are per-process caches: no test may see another's."""
    from civicgrid.cases.calendar import forget_calendar

    forget_index()
    forget_calendar()
    yield
    forget_index()
    forget_calendar()


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop in the test thread
