"""The real 苏州工业园区 layers (../shared/data/sip-grid): streets, communities, comprehensive and special grids.

The data keep their real faults on purpose: two communities share a code, six grids name a community that is not in
the community layer, and some grids straddle a neighbouring community.
"""

import pytest
import shapely

from civicgrid.geo.importing import import_regions
from civicgrid.geo.models import GridKind, Region, RegionLevel
from civicgrid.geo.selectors import locate_point
from civicgrid.geo.services import upsert_region
from tests.conftest import shared_data

pytestmark = pytest.mark.django_db

STREETS = "sip_streets_wgs84.geojson"
COMMUNITIES = "sip_communities_wgs84.geojson"
COMPREHENSIVE = "sip_grids_zonghe_wgs84.geojson"
SPECIAL = "sip_grids_zhuanshu_wgs84.geojson"
GRID_FIELDS = {"code_field": "网格编码_15位数字", "name_field": "网格名称", "full_name_field": "网格全称",
               "parent_field": "community_code_12"}
MISSING_COMMUNITY = "320591010001"  # 市镇社区: named by 6 grids, absent from the community layer


def import_tree() -> dict:
    """市 and 区 by hand, then the four layers top-down, as a data administrator would."""
    files = {name: shared_data("sip-grid", name) for name in (STREETS, COMMUNITIES, COMPREHENSIVE, SPECIAL)}
    return {
        STREETS: import_regions(files[STREETS], level="street", code_field="street_code_9", parent_code="320571"),
        COMMUNITIES: import_regions(files[COMMUNITIES], level="community", parent_field="street_code_9",
                                    skip_invalid=True),
        COMPREHENSIVE: import_regions(files[COMPREHENSIVE], level="grid", grid_kind_field="TYPE", **GRID_FIELDS),
        SPECIAL: import_regions(files[SPECIAL], level="grid", grid_kind_field="TYPE", **GRID_FIELDS),
    }


@pytest.fixture
def sip_root(db):
    city = upsert_region(code="320500", name="苏州市", level=RegionLevel.CITY, parent=None, source="test").region
    return upsert_region(code="320571", name="苏州工业园区", level=RegionLevel.DISTRICT, parent=city, source="test").region


def test_the_whole_park_imports_with_its_known_faults_reported(sip_root):
    strict = import_regions(shared_data("sip-grid", COMMUNITIES), level="community", parent_field="street_code_9")
    assert not strict.imported and Region.objects.count() == 2  # the duplicate code stops a strict import

    reports = import_tree()

    assert all(r.imported for r in reports.values())
    assert [reports[f].created for f in (STREETS, COMMUNITIES, COMPREHENSIVE, SPECIAL)] == [5, 178, 826, 475]
    assert Region.objects.filter(level=RegionLevel.STREET, parent=sip_root).count() == 5
    assert Region.objects.filter(level=RegionLevel.COMMUNITY).count() == 178
    assert Region.objects.filter(grid_kind=GridKind.COMPREHENSIVE).count() == 826
    assert Region.objects.filter(grid_kind=GridKind.SPECIAL).count() == 475
    assert Region.objects.subtree(sip_root.path).count() == 1 + 5 + 178 + 826 + 475

    communities = reports[COMMUNITIES]
    assert communities.skipped == 1
    assert [communities.describe(p) for p in communities.errors] == [
        "feature 178 (社区编码_12位数字): code 320506010009 already used by feature 177 (兴浦社区)"
    ]
    assert Region.objects.get(code="320506010009").name == "兴浦社区"

    fallbacks = [p for r in (reports[COMPREHENSIVE], reports[SPECIAL]) for p in r.warnings
                 if p.message.startswith(f"parent {MISSING_COMMUNITY} unknown; placed under ")]
    assert len(fallbacks) == 6
    assert all(p.field == "community_code_12" and p.message.endswith("which contains it") for p in fallbacks)
    for grid in Region.objects.filter(code__startswith=MISSING_COMMUNITY):
        assert grid.parent.level == RegionLevel.COMMUNITY
        point = shapely.from_geojson(grid.geometry).representative_point()
        assert shapely.from_geojson(grid.parent.geometry).contains(point)

    outside = [p for r in (reports[COMPREHENSIVE], reports[SPECIAL]) for p in r.warnings if "lies outside its" in p.message]
    assert outside and all(p.message.startswith("grid ") and p.message.endswith("; kept under it") for p in outside)
    straddler = Region.objects.get(code=outside[0].message.split()[1])
    assert straddler.parent.code == straddler.code[:12]  # kept under the community its code names


def test_reimport_changes_nothing_and_points_land_in_their_grid(sip_root):
    import_tree()
    count = Region.objects.count()

    again = import_tree()

    for report in again.values():
        assert (report.created, report.updated) == (0, 0), report.format()
    assert [again[f].unchanged for f in (STREETS, COMMUNITIES, COMPREHENSIVE, SPECIAL)] == [5, 178, 826, 475]
    assert Region.objects.count() == count
    grid = Region.objects.get(code="320505006023001")  # 斜塘街道荷韵社区综合网格1
    assert grid.full_name == "斜塘街道荷韵社区综合网格1" and grid.parent.name == "荷韵社区"
    point = shapely.from_geojson(grid.geometry).representative_point()
    assert locate_point(point.x, point.y).grid_id == grid.pk
