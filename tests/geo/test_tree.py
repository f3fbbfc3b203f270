import pytest

from civicgrid.core.models import ChangeRecord
from civicgrid.geo.models import Region, RegionLevel
from civicgrid.geo.selectors import ancestors_of, locate_point
from civicgrid.geo.services import RegionError, move_region, upsert_region

pytestmark = pytest.mark.django_db


def test_subtree_is_a_path_range(tree):
    codes = set(Region.objects.subtree(tree.street_a.path).values_list("code", flat=True))
    assert tree.street_a.code in codes
    assert "320571001001001" in codes and "320571001002002" in codes
    assert not any(c.startswith("320571002") for c in codes)
    assert len(codes) == 1 + 2 + 4 + 1  # street, its 2 communities, 4 grids, 1 special grid


def test_upsert_is_idempotent_and_records_history(tree):
    before = Region.objects.count()
    result = upsert_region(code=tree.street_a.code, name="甲街道", level=RegionLevel.STREET, parent=tree.district,
                           keep_geometry=True, full_name="甲街道")
    assert result.outcome == "unchanged"
    assert Region.objects.count() == before
    result = upsert_region(code=tree.street_a.code, name="甲街道办事处", level=RegionLevel.STREET, parent=tree.district,
                           keep_geometry=True, full_name="甲街道")
    assert result.outcome == "updated"
    change = ChangeRecord.objects.filter(model_label="geo.region", object_id=str(tree.street_a.pk)).first()
    assert change.changes["name"] == ["甲街道", "甲街道办事处"]


def test_moving_a_node_rewrites_the_paths_below_it(tree):
    move_region(tree.community_a2, tree.street_b)
    grid = Region.objects.get(code="320571001002001")
    assert grid.path == "320500.320571.320571002.320571001002.320571001002001."
    assert grid.depth == 4
    assert [a.code for a in ancestors_of(grid)] == ["320500", "320571", "320571002", "320571001002"]
    move_region(Region.objects.get(code=tree.community_a2.code), tree.district)  # one level up: depths shrink
    assert Region.objects.get(code="320571001002001").depth == 3


def test_a_node_cannot_move_under_itself(tree):
    with pytest.raises(RegionError):
        move_region(tree.street_a, tree.community_a1)


def test_point_is_placed_in_its_comprehensive_grid_not_the_special_one(tree):
    placement = locate_point(120.701, 31.301)
    assert placement.grid_id == tree.grids["320571001001001"].pk
    assert placement.distance_m == 0


def test_point_near_a_grid_gets_the_nearest_and_far_point_is_outside(tree):
    near = locate_point(120.70, 31.2995, nearest_m=200)  # ~55 m south of the first grid
    assert near.grid_id == tree.grids["320571001001001"].pk
    assert 40 < near.distance_m < 70
    far = locate_point(121.5, 31.2)
    assert far.outside


def test_index_is_rebuilt_when_a_grid_changes(tree):
    from shapely.geometry import box

    assert locate_point(120.80, 31.30).outside
    upsert_region(code="320571001002003", name="新网格", level=RegionLevel.GRID, parent=tree.community_a2,
                  geometry=box(120.79, 31.29, 120.81, 31.31))
    assert locate_point(120.80, 31.30).grid_id == Region.objects.get(code="320571001002003").pk


def test_gcj02_input_is_converted(tree):
    from coord_convert.transform import wgs2gcj

    lon, lat = wgs2gcj(120.7155, 31.3055)  # inside grid A1-2 in WGS-84; ~500 m off in GCJ-02
    placement = locate_point(lon, lat, "gcj02")
    assert placement.grid_id == tree.grids["320571001001002"].pk
    assert abs(placement.lon - 120.7155) < 1e-5


def test_crs_names_and_proj_strings():
    from civicgrid.geo.coords import UnknownCRS, normalise_crs, to_wgs84

    assert normalise_crs("EPSG:4326") == normalise_crs("WGS-84") == "wgs84"
    assert normalise_crs("GCJ-02") == "gcj02" and normalise_crs("bd09ll") == "bd09"
    assert normalise_crs("epsg:3857") == "EPSG:3857"
    # the 2000SZ local projection of the SIP originals has no EPSG code: a PROJ string passes through unchanged
    sz = "+proj=tmerc +lat_0=0 +lon_0=120.7833333 +k=1 +x_0=350000 +y_0=-2800000 +ellps=GRS80 +units=m +no_defs"
    lon, lat = to_wgs84(345545.8, 665000.0, sz)
    assert 120.6 < lon < 120.9 and 31.2 < lat < 31.5
    for bad in ("EPSG:999999", "no-such-crs", "mars2000"):
        with pytest.raises(UnknownCRS):
            normalise_crs(bad)


@pytest.mark.parametrize("nearest_m", [0, 150])
def test_bulk_raster_answers_exactly_as_the_geometric_path(tree, nearest_m):
    import numpy as np

    from civicgrid.geo.locator import grid_index

    rng = np.random.default_rng(7)
    lons = rng.uniform(120.69, 120.75, 20_000)
    lats = rng.uniform(31.29, 31.33, 20_000)
    lons[:50], lats[:50] = 120.71, 31.30 + rng.uniform(0, 0.01, 50)  # on a shared grid edge
    index = grid_index()
    exact_ids, exact_m = index.locate(lons, lats, nearest_m, use_raster=False)
    bulk_ids, bulk_m = index.locate(lons, lats, nearest_m, use_raster=True)
    assert np.array_equal(exact_ids, bulk_ids)
    assert np.allclose(exact_m, bulk_m)
    assert 0 < np.count_nonzero(exact_ids) < len(lons)
    if nearest_m:
        assert np.count_nonzero((exact_m > 0) & np.isfinite(exact_m)) > 0  # some placed by proximity


def test_nearest_is_measured_in_metres_not_degrees(tree):
    """East of a grid one degree of longitude is shorter than one of latitude: the east grid is nearer here."""
    from shapely.geometry import box

    from civicgrid.geo.services import upsert_region

    # a point 100 m east of grid X (0.00105° of longitude) and 110 m north of grid Y (0.00099° of latitude):
    # nearer to Y in degrees, nearer to X in metres
    upsert_region(code="320571002001003", name="西侧", level=5, parent=tree.community_b1,
                  geometry=box(120.78, 31.33, 120.79, 31.34))
    upsert_region(code="320571002001004", name="南侧", level=5, parent=tree.community_b1,
                  geometry=box(120.7910, 31.32, 120.7920, 31.33))
    lon = 120.79 + 100 / (111_320 * 0.8543)
    lat = 31.33 + 110 / 111_320
    placement = locate_point(lon, lat, nearest_m=200)
    assert placement.grid_id == Region.objects.get(code="320571002001003").pk
    assert 99 < placement.distance_m < 102
