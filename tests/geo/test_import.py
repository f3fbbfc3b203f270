"""The region import, with small files written for each case, on the synthetic tree of tests/conftest.py.

Community 甲一社区 (320571001001) is the square 120.70–120.72 E × 31.30–31.31 N, 甲二社区 (320571001002) the square east
of it; street 甲街道 (320571001) covers both.
"""

import io
import json

import pytest
from coord_convert.transform import wgs2gcj
from django.core.management import call_command
from django.core.management.base import CommandError
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import Point, Polygon, box, mapping, shape

from civicgrid.core.models import ChangeRecord
from civicgrid.geo.importing import RegionImportError, import_regions
from civicgrid.geo.locator import current_version
from civicgrid.geo.models import GridKind, Region, RegionLevel

pytestmark = pytest.mark.django_db

A1 = "320571001001"
NEW_3, NEW_4 = f"{A1}003", f"{A1}004"


def feature(code, name, geometry, parent=A1, **properties):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "parent": parent, **properties},
        "geometry": mapping(geometry) if geometry is not None else None,
    }


def good_features():
    return [feature(NEW_3, "网格3", box(120.700, 31.300, 120.705, 31.305), kind="综合网格"),
            feature(NEW_4, "网格4", box(120.705, 31.300, 120.710, 31.305), kind="专属网格")]


def write_geojson(tmp_path, features, name="grids.geojson", **members):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", **members, "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def import_grids(path, **options):
    return import_regions(path, level="grid", **{"parent_field": "parent", **options})


def test_a_grid_layer_is_imported_under_its_communities(tree, tmp_path):
    version = current_version()

    report = import_grids(write_geojson(tmp_path, good_features()), grid_kind_field="kind")

    assert report.ok and report.imported
    assert (report.created, report.updated, report.unchanged, report.skipped) == (2, 0, 0, 0)
    assert report.fields == {"code": "code", "name": "name", "parent": "parent", "grid type": "kind"}
    grid = Region.objects.get(code=NEW_3)
    assert grid.parent == tree.community_a1 and grid.path == f"{tree.community_a1.path}{NEW_3}."
    assert grid.level == RegionLevel.GRID and grid.grid_kind == GridKind.COMPREHENSIVE
    assert grid.attributes["kind"] == "综合网格" and grid.area_m2 > 0
    assert Region.objects.get(code=NEW_4).grid_kind == GridKind.SPECIAL
    change = ChangeRecord.objects.get(model_label="geo.region", object_id=str(grid.pk))
    assert change.source == "import:grids.geojson"
    assert current_version() == version + 1  # bumped once for the whole file


def test_reimporting_the_same_file_changes_nothing(tree, tmp_path):
    path = write_geojson(tmp_path, good_features())
    import_grids(path)
    count, version = Region.objects.count(), current_version()

    again = import_grids(path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Region.objects.count() == count and current_version() == version
    features = good_features()
    features[1]["properties"]["name"] = "网格四"
    changed = import_grids(write_geojson(tmp_path, features))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert Region.objects.get(code=NEW_4).name == "网格四"


def bow_tie():
    return Polygon([(120.70, 31.30), (120.71, 31.31), (120.71, 31.30), (120.70, 31.31), (120.70, 31.30)])


# (what goes wrong, the third feature, extra options, field, the message's text)
FEATURE_ERRORS = [
    ("not a feature", {"type": "Point", "coordinates": [120.7, 31.3]}, {}, "", "not a GeoJSON Feature"),
    ("no geometry", feature(f"{A1}005", "网格5", None), {}, "geometry", "no geometry"),
    ("a point", feature(f"{A1}005", "网格5", Point(120.701, 31.301)), {}, "geometry",
     "geometry type 'Point': a region needs a Polygon or MultiPolygon"),
    ("self-intersection", feature(f"{A1}005", "网格5", bow_tie()), {}, "geometry",
     "invalid geometry: Self-intersection[120.705 31.305]"),
    ("projected", feature(f"{A1}005", "网格5", Polygon([(336123.4, 3465000), (336500, 3465000), (336500, 3465400)])),
     {}, "geometry", "coordinates look projected (x=336123.4): give --crs EPSG:nnnn"),
    ("lat/lon swapped", feature(f"{A1}005", "网格5", box(31.300, 120.700, 31.305, 120.705)), {}, "geometry",
     "coordinates look like latitude, longitude"),
    ("far away", feature(f"{A1}005", "网格5", box(2.35, 48.85, 2.36, 48.86)), {}, "geometry",
     "coordinates outside China (lon=2.3600, lat=48.8500 when read as wgs84)"),
    ("no code", feature("", "网格5", box(120.70, 31.30, 120.701, 31.301)), {}, "code", "missing code"),
    ("bad code", feature("32 05", "网格5", box(120.70, 31.30, 120.701, 31.301)), {}, "code",
     "code '32 05' is not valid: A code is 1-40 letters, digits, '_' or '-'."),
    ("no name", feature(f"{A1}005", " ", box(120.70, 31.30, 120.701, 31.301)), {}, "name", "missing name"),
    ("duplicate", feature(NEW_3, "网格3乙", box(120.70, 31.30, 120.701, 31.301)), {}, "code",
     f"code {NEW_3} already used by feature 0 (网格3)"),
    ("clash", feature("320571001002", "网格5", box(120.70, 31.30, 120.701, 31.301)), {}, "code",
     "code 320571001002 already belongs to the community 甲二社区: it cannot become a grid"),
    ("unknown parent, nowhere", feature(f"{A1}005", "网格5", box(116.30, 39.90, 116.31, 39.91), parent="110101001001"),
     {}, "parent", "parent 110101001001 unknown (not in the database) and no region contains the feature"),
    ("parent too low", feature(f"{A1}005", "网格5", box(120.70, 31.30, 120.701, 31.301), parent=f"{A1}001"), {},
     "parent", f"parent 甲一社区网格1 ({A1}001) is a grid, which cannot hold a grid"),
    ("grid type", feature(f"{A1}005", "网格5", box(120.70, 31.30, 120.701, 31.301), kind="微网格"),
     {"grid_kind_field": "kind"}, "kind", "grid type '微网格' unknown (expected 综合网格 or 专属网格)"),
]


@pytest.mark.parametrize(("bad", "options", "field", "message"), [case[1:] for case in FEATURE_ERRORS],
                         ids=[case[0] for case in FEATURE_ERRORS])
def test_a_bad_feature_is_reported_and_nothing_is_written(tree, tmp_path, bad, options, field, message):
    count = Region.objects.count()

    report = import_grids(write_geojson(tmp_path, [*good_features(), bad]), **options)

    assert not report.imported and Region.objects.count() == count
    assert len(report.errors) == 1
    problem = report.errors[0]
    assert (problem.index, problem.field) == (2, field)
    assert message in problem.message
    where = f"feature 2 ({field})" if field else "feature 2"
    assert f"error: {where}: " in report.format()
    assert report.summary() == "grids.geojson (grid): 1 error, nothing imported"


def write_text(tmp_path, text, name="grids.geojson"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# (what goes wrong, the file's text or members, extra options, field, the message's text)
FILE_ERRORS = [
    ("not JSON", "{not json", {}, "", "not JSON (Expecting property name enclosed in double quotes at line 1, column 2)"),
    ("not a collection", json.dumps(feature(NEW_3, "网格3", box(120.70, 31.30, 120.71, 31.31))), {}, "",
     "not a GeoJSON FeatureCollection (found 'Feature')"),
    ("unknown crs member", {"crs": {"type": "name", "properties": {"name": "EPSG:999999"}}}, {}, "crs",
     "unknown coordinate system 'EPSG:999999'"),
    ("unknown crs option", {}, {"crs": "wgs1984x"}, "--crs", "unknown coordinate system 'wgs1984x'"),
    ("crs of another planet", {}, {"crs": "mars2000"}, "--crs",
     "coordinate system 'mars2000' cannot be converted to WGS-84"),
    ("fixed parent unknown", {}, {"parent_field": None, "parent_code": "320571009"}, "--parent",
     "parent 320571009 is not in the database"),
    ("named field absent", {}, {"code_field": "网格编码"}, "--code-field", "no property '网格编码' in the file"),
]


@pytest.mark.parametrize(("content", "options", "field", "message"), [case[1:] for case in FILE_ERRORS],
                         ids=[case[0] for case in FILE_ERRORS])
def test_a_bad_file_is_reported_and_nothing_is_written(tree, tmp_path, content, options, field, message):
    count = Region.objects.count()
    if isinstance(content, str):
        path = write_text(tmp_path, content)
    else:
        path = write_geojson(tmp_path, good_features(), **content)

    report = import_grids(path, skip_invalid=True, **options)  # a fault of the whole file: even skipping stops

    assert not report.imported and Region.objects.count() == count
    assert [(p.index, p.field) for p in report.errors] == [(None, field)]
    assert message in report.errors[0].message
    assert report.describe(report.errors[0]).startswith(f"file ({field}): " if field else "file: ")


def test_properties_are_found_by_their_chinese_names(tree, tmp_path):
    features = [{"type": "Feature", "geometry": mapping(box(120.700, 31.300, 120.705, 31.305)),
                 "properties": {"网格编码": NEW_3, "网格名称": "网格3", "网格全称": "甲一社区网格3", "所属社区": A1}}]

    report = import_grids(write_geojson(tmp_path, features), parent_field="所属社区")

    assert report.fields == {"code": "网格编码", "name": "网格名称", "full name": "网格全称", "parent": "所属社区"}
    assert Region.objects.get(code=NEW_3).full_name == "甲一社区网格3"
    features[0]["properties"]["社区编码"] = A1
    ambiguous = import_grids(write_geojson(tmp_path, features), parent_field="所属社区")
    assert [report.describe(p) for p in ambiguous.errors] == [
        "file (--code-field): several properties could hold the code (网格编码, 社区编码): name one with --code-field"
    ]


def test_skip_invalid_imports_the_good_features_and_reports_the_bad(tree, tmp_path):
    bad = feature(f"{A1}005", "网格5", bow_tie())

    report = import_grids(write_geojson(tmp_path, [*good_features(), bad]), skip_invalid=True)

    assert report.imported and (report.created, report.skipped) == (2, 1)
    assert [(p.index, p.field) for p in report.errors] == [(2, "geometry")]
    assert Region.objects.filter(code__in=[NEW_3, NEW_4]).count() == 2
    assert not Region.objects.filter(code=f"{A1}005").exists()


def test_a_dry_run_counts_as_a_real_run_but_writes_nothing(tree, tmp_path):
    path = write_geojson(tmp_path, good_features())
    count, changes, version = Region.objects.count(), ChangeRecord.objects.count(), current_version()

    dry = import_grids(path, dry_run=True)

    assert dry.imported and (dry.created, dry.unchanged) == (2, 0)
    assert dry.summary().endswith("(dry run: nothing written)")
    assert (Region.objects.count(), ChangeRecord.objects.count(), current_version()) == (count, changes, version)
    real = import_grids(path)
    assert (real.created, real.unchanged) == (2, 0)


def test_an_unknown_parent_is_found_by_the_polygon_that_contains_the_feature(tree, tmp_path):
    lost = feature(f"{A1}005", "网格5", box(120.725, 31.302, 120.728, 31.305), parent="320571001009")  # inside 甲二

    report = import_grids(write_geojson(tmp_path, [*good_features(), lost]))

    assert report.ok and report.created == 3
    assert [report.describe(p) for p in report.warnings] == [
        "feature 2 (parent): parent 320571001009 unknown; placed under 甲二社区 (320571001002) which contains it",
        "feature 2 (code): code 320571001001005 is not the code of its community 320571001002 followed by 3 digits "
        "(GB/T 30428)",
    ]
    assert Region.objects.get(code=f"{A1}005").parent == tree.community_a2


def test_a_feature_outside_its_parent_is_kept_with_a_warning(tree, tmp_path):
    straddler = feature(f"{A1}005", "网格5", box(120.725, 31.302, 120.728, 31.305))  # names 甲一, lies in 甲二

    report = import_grids(write_geojson(tmp_path, [*good_features(), straddler]))

    assert report.ok and report.created == 3
    assert [report.describe(p) for p in report.warnings] == [
        f"feature 2 (parent): grid {A1}005 lies outside its community 甲一社区 ({A1}); kept under it"
    ]
    assert Region.objects.get(code=f"{A1}005").parent == tree.community_a1
    community = feature("320571002009", "乙九社区", box(120.73, 31.302, 120.735, 31.305), parent="320571002")
    report = import_regions(write_geojson(tmp_path, [community], name="c.geojson"), level="community",
                            parent_field="parent")
    assert [report.describe(p) for p in report.warnings] == [
        "feature 0 (parent): community 320571002009 lies outside its street 乙街道 (320571002); kept under it"
    ]


def test_gcj02_coordinates_are_converted_to_wgs84(tree, tmp_path):
    wgs = box(120.700, 31.300, 120.705, 31.305)
    gcj = shape({"type": "Polygon", "coordinates": [[wgs2gcj(x, y) for x, y in wgs.exterior.coords]]})
    assert gcj.centroid.distance(wgs.centroid) > 0.003  # several hundred metres apart

    import_grids(write_geojson(tmp_path, [feature(NEW_3, "网格3", gcj)]), crs="gcj02")

    grid = Region.objects.get(code=NEW_3)
    assert abs(grid.centroid_lon - wgs.centroid.x) < 1e-5 and abs(grid.centroid_lat - wgs.centroid.y) < 1e-5


@pytest.mark.parametrize("epsg", ["EPSG:3857", "EPSG:4549"])  # Web Mercator; CGCS2000 Gauss-Krüger CM 120E
def test_projected_coordinates_are_reprojected(tree, tmp_path, epsg):
    wgs = box(120.700, 31.300, 120.705, 31.305)
    forward = Transformer.from_crs("EPSG:4326", epsg, always_xy=True)
    projected = Polygon([forward.transform(x, y) for x, y in wgs.exterior.coords])
    features = [feature(NEW_3, "网格3", projected)]
    if epsg == "EPSG:3857":  # declared in the file's legacy crs member
        report = import_grids(write_geojson(tmp_path, features,
                                            crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}))
    else:  # named on the command line
        report = import_grids(write_geojson(tmp_path, features), crs=epsg)

    assert report.ok, report.format()
    stored = shape(json.loads(Region.objects.get(code=NEW_3).geometry))
    assert stored.symmetric_difference(wgs).area < 1e-10
    assert affinity.translate(wgs, 1e-3).symmetric_difference(stored).area > 1e-7  # the check can fail


STREETS_CSV = (
    "code,name,areaCode,provinceCode,cityCode\n"
    "320571001,甲街道办事处,320571,32,3205\n"
    "320571003,丙街道,320571,32,3205\n"
    '110101001,"东华门街道",110101,11,1101\n'
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_code_list_names_streets_and_keeps_their_polygons(tree, tmp_path, encoding):
    path = tmp_path / "streets.csv"
    path.write_bytes(STREETS_CSV.encode(encoding))
    polygon = tree.street_a.geometry

    report = import_regions(path, level="street", parent_field="areaCode", filter_parent="320571")

    assert report.unit == "line" and report.ok, report.format()
    assert (report.created, report.updated, report.filtered) == (1, 1, 1)
    street = Region.objects.get(code="320571001")
    assert street.name == "甲街道办事处" and street.geometry == polygon  # renamed, boundary kept
    assert street.full_name == "甲街道" and street.attributes["cityCode"] == "3205"
    new = Region.objects.get(code="320571003")
    assert new.parent == tree.district and new.geometry == "" and new.name == "丙街道"
    assert not Region.objects.filter(code="110101001").exists()
    assert import_regions(path, level="street", parent_field="areaCode", filter_parent="320571").unchanged == 2


def test_csv_problems_are_reported_by_line_number(tree, tmp_path):
    path = tmp_path / "streets.csv"
    path.write_text(STREETS_CSV + "320599001,丁街道,320599,32,3205\n320571004,,320571,32,3205\n", encoding="utf-8")
    count = Region.objects.count()

    report = import_regions(path, level="street", parent_field="areaCode")

    assert not report.imported and Region.objects.count() == count
    assert [report.describe(p) for p in report.errors] == [
        "line 4 (areaCode): parent 110101 unknown (not in the database)",
        "line 5 (areaCode): parent 320599 unknown (not in the database)",
        "line 6 (name): missing name",
    ]


def test_the_command_prints_the_report(tree, tmp_path):
    path = write_geojson(tmp_path, good_features())
    out = io.StringIO()

    call_command("regions", "import", str(path), "--level", "grid", "--parent-field", "parent", "--dry-run", stdout=out)
    assert "grids.geojson (grid): 2 created, 0 updated, 0 unchanged, 0 skipped (dry run" in out.getvalue()
    assert not Region.objects.filter(code=NEW_3).exists()

    call_command("regions", "import", str(path), "--level=grid", "--parent-field=parent", "--grid-kind=special", stdout=out)
    assert Region.objects.get(code=NEW_3).grid_kind == GridKind.SPECIAL


def test_the_command_fails_with_one_line_per_problem(tree, tmp_path):
    features = [*good_features(), feature(f"{A1}005", "网格5", bow_tie()), feature(NEW_3, "网格3乙", bow_tie())]
    path = write_geojson(tmp_path, features)

    with pytest.raises(CommandError) as failure:
        call_command("regions", "import", str(path), "--level", "grid", "--parent-field", "parent")

    assert str(failure.value).splitlines() == [
        "grids.geojson (grid): 3 errors, nothing imported",
        "fields: code=code, name=name, parent=parent",
        "error: feature 2 (geometry): invalid geometry: Self-intersection[120.705 31.305]",
        f"error: feature 3 (code): code {NEW_3} already used by feature 0 (网格3)",
        "error: feature 3 (geometry): invalid geometry: Self-intersection[120.705 31.305]",
    ]
    assert not Region.objects.filter(code=NEW_3).exists()


def test_the_command_reports_a_missing_file_in_one_line(db, tmp_path):
    with pytest.raises(CommandError) as failure:
        call_command("regions", "import", str(tmp_path / "nowhere.geojson"), "--level", "grid")
    assert str(failure.value) == f"cannot read {tmp_path / 'nowhere.geojson'}: No such file or directory"
    with pytest.raises(RegionImportError, match="filtering by parent needs the parent field"):
        import_regions(tmp_path / "nowhere.csv", level="street", filter_parent="320571")


def test_codes_not_following_gbt_30428_are_kept_with_a_warning(tree, tmp_path):
    odd = [feature(f"{A1}0042", "网格42", box(120.701, 31.301, 120.702, 31.302)),  # four digits after the community
           feature(f"{A1}007", "网格7", box(120.702, 31.301, 120.703, 31.302))]   # as the standard has it

    report = import_grids(write_geojson(tmp_path, odd))

    assert report.ok and report.created == 2
    assert [report.describe(p) for p in report.warnings] == [
        f"feature 0 (code): code {A1}0042 is not the code of its community {A1} followed by 3 digits (GB/T 30428)"
    ]
