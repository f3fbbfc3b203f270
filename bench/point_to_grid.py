"""Point -> grid: our `locate_points` against a bare shapely STRtree query, on the 826 real SIP comprehensive grids.

    .venv/bin/python bench/point_to_grid.py [--points 1000000] [--database-url URL]

Set-up (not timed): the 826 grids of ../shared/data/sip-grid/sip_grids_zonghe_wgs84.geojson go into the database
through `civicgrid.geo.services.upsert_region` under a city -> district -> street -> community chain, with
bump_version=False and one bump_tree_version() at the end, as an importer would do it. N random points (fixed seed)
are drawn uniformly over the grids' bounding box.

Timed, best of 3, both including shapely.points() from the coordinate arrays:
- ours:  civicgrid.geo.selectors.locate_points(lons, lats) with a warm index (its one-off build is a separate line);
         this also asks the database for the tree version and gives points on no grid their nearest grid within
         settings.GEO_NEAREST_GRID_METRES, work the baseline does not do;
- bare:  STRtree(polygons).query(points, predicate="within") over the same polygons (parsed from the same stored
         GeoJSON) and the same points, tree built beforehand.
Target: ours / bare <= 1.5. Diagnostic lines split our time into its parts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

import _common as c

TARGET = 1.5
SEED = 20260101
REPEATS = 3


def grids_file() -> Path:
    from django.conf import settings

    return Path(settings.SHARED_DATA_DIR) / "sip-grid" / "sip_grids_zonghe_wgs84.geojson"


def load_tree(path: Path) -> int:
    """The grids as Region rows through the geo services; returns how many grids were created."""
    from django.db import transaction

    from civicgrid.geo.geometry import parse_geojson_geometry
    from civicgrid.geo.models import GridKind, RegionLevel
    from civicgrid.geo.services import bump_tree_version, upsert_region

    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    with transaction.atomic():
        city = upsert_region(code="320500", name="苏州市", level=RegionLevel.CITY, parent=None, source="bench").region
        district = upsert_region(code="320571", name="苏州工业园区", level=RegionLevel.DISTRICT, parent=city,
                                 source="bench").region
        # One street and one community hold all grids: the benchmark is about polygons, not about the hierarchy.
        street = upsert_region(code="320571900", name="基准街道", level=RegionLevel.STREET, parent=district,
                               source="bench").region
        community = upsert_region(code="320571900001", name="基准社区", level=RegionLevel.COMMUNITY, parent=street,
                                  source="bench").region
        for feature in features:
            props = feature["properties"]
            upsert_region(
                code=props["网格编码_15位数字"],
                name=props["网格名称"],
                full_name=props.get("网格全称", ""),
                level=RegionLevel.GRID,
                grid_kind=GridKind.COMPREHENSIVE,
                parent=community,
                geometry=parse_geojson_geometry(feature["geometry"]),
                source="bench",
                bump_version=False,
            )
        bump_tree_version()
    return len(features)


def main(argv: list[str] | None = None) -> int:
    args = c.parse_args(__doc__.splitlines()[0], points=1_000_000, argv=argv)
    with c.django_database(args.database_url) as database:
        path = grids_file()
        if not path.exists():
            print(f"data set not present: {path} (set CIVICGRID_SHARED_DATA to the shared/data folder); nothing measured")
            return 0
        run(args, database, path)
    return 0


def run(args, database: str, path: Path) -> None:
    import shapely
    from django.conf import settings
    from shapely import STRtree

    from civicgrid.geo.locator import current_version, forget_index, grid_index
    from civicgrid.geo.models import Region, RegionLevel
    from civicgrid.geo.selectors import locate_points

    print(f"point -> grid   {c.machine_line()}")
    print(f"database: {database}")
    setup_s, n_grids = c.timed_once(lambda: load_tree(path))
    texts = list(Region.objects.filter(level=RegionLevel.GRID).exclude(geometry="").order_by("id")
                 .values_list("geometry", flat=True))
    print(f"set-up: {n_grids} grids through upsert_region in {setup_s:.1f} s (not part of any ratio)")

    polygons = shapely.from_geojson(np.array(texts, dtype=object))
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(polygons)
    rng = np.random.default_rng(SEED)
    lons = rng.uniform(min_lon, max_lon, args.points)
    lats = rng.uniform(min_lat, max_lat, args.points)
    print(f"{args.points:,} points, seed {SEED}, uniform over {min_lon:.4f}..{max_lon:.4f} E, "
          f"{min_lat:.4f}..{max_lat:.4f} N; nearest-grid radius {settings.GEO_NEAREST_GRID_METRES} m")
    print()

    # --- ours
    forget_index()
    build_s, index = c.timed_once(grid_index)
    radius = float(settings.GEO_NEAREST_GRID_METRES)
    raster_s, raster = c.timed_once(lambda: index.raster(radius))
    raster0_s, _ = c.timed_once(lambda: index.raster(0.0))
    # the bulk raster must not change a single answer: compare with the exact geometric path once
    exact_s, (exact_ids, exact_m) = c.timed_once(lambda: index.locate(lons, lats, radius, use_raster=False))
    # --- bare
    bare_build_s, tree = c.timed_once(lambda: STRtree(polygons))

    # Round-robin: ours, bare and the diagnostics (the same call without the nearest-grid step, its pieces).
    timings = c.best_of_each(REPEATS, {
        "ours": lambda: locate_points(lons, lats),
        "bare": lambda: tree.query(shapely.points(lons, lats), predicate="within"),
        "ours_within": lambda: locate_points(lons, lats, nearest_m=0),
        "points": lambda: shapely.points(lons, lats),
        "version": current_version,
    })
    ours_s, (grid_ids, distances) = timings["ours"]
    bare_s, (point_idx, _tree_idx) = timings["bare"]
    ours_within_s, (within_ids, _) = timings["ours_within"]
    points_s, version_s = timings["points"][0], timings["version"][0]

    inside = int(np.count_nonzero((grid_ids != 0) & (distances == 0)))
    nearest = int(np.count_nonzero((grid_ids != 0) & (distances > 0)))
    outside = int(np.count_nonzero(grid_ids == 0))
    bare_inside = int(len(np.unique(point_idx)))
    missing = args.points - int(np.count_nonzero(within_ids))

    c.print_table(
        ["step", "time", "note"],
        [
            ["ours: build index (once, cold)", c.ms(build_s), f"{len(index.ids)} polygons from the database"],
            ["ours: bulk raster (once, cold)", c.ms(raster_s),
             f"{raster.nx}x{raster.ny} cells of {raster.cell_m:.0f} m for {radius:.0f} m reach (+{c.ms(raster0_s)} for 0 m)"],
            ["ours: locate_points, warm", c.ms(ours_s), f"best of {REPEATS}, round-robin with the others"],
            ["diag: ours exact path only", c.ms(exact_s), "once, no raster (what calls do until one of 200,000+ points built it)"],
            ["bare: STRtree(polygons) build", c.ms(bare_build_s), "not in the ratio"],
            ["bare: points + query(within)", c.ms(bare_s), f"best of {REPEATS}"],
            ["diag: shapely.points only", c.ms(points_s), "in both timings"],
            ["diag: ours with nearest_m=0", c.ms(ours_within_s), "no nearest-grid step"],
            ["diag: ours nearest-grid step", c.ms(max(ours_s - ours_within_s, 0.0)),
             f"difference, for {missing:,} points on no grid"],
            ["diag: tree version query", c.ms(version_s), "1 query per call"],
        ],
        align="lrl",
    )
    print()
    c.print_table(
        ["placement", "ours", "bare"],
        [
            ["inside a grid", f"{inside:,}", f"{bare_inside:,} distinct points matched"],
            [f"by nearest grid (<= {settings.GEO_NEAREST_GRID_METRES} m)", f"{nearest:,}", "-"],
            ["outside the jurisdiction", f"{outside:,}", f"{args.points - bare_inside:,} not matched"],
        ],
        align="lrl",
    )
    same = "equal" if inside == bare_inside else "DIFFERENT - investigate"
    print(f"sanity: ours inside {inside:,} vs bare distinct {bare_inside:,}: {same}")
    agree = np.array_equal(grid_ids, exact_ids) and np.allclose(distances, exact_m)
    print(f"sanity: bulk (raster) answers vs exact path: {'identical' if agree else 'DIFFERENT - investigate'}")
    print()
    print(f"ratio ours/bare (locate_points vs points+STRtree.query): {c.verdict(ours_s / bare_s, TARGET)}")
    print(f"ratio ours/bare without the nearest-grid step (nearest_m=0):  {c.verdict(ours_within_s / bare_s, TARGET)}")


if __name__ == "__main__":
    sys.exit(main())
