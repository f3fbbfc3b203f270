"""Subtree listing: one street's nodes through people.scoping.restrict() against one raw SQL range query.

    .venv/bin/python bench/subtree.py [--nodes 100000] [--database-url URL]

Set-up (not timed): a synthetic tree of N nodes -- 1 city, 1 district, 10 streets, 30 communities per street and
grids up to N -- with GB/T 30428-like codes (6-digit county 320571 + 3-digit street + 3-digit community + 3-digit
grid sequence) and a small square polygon each. FOR SET-UP SPEED ONLY it bypasses civicgrid.geo.services: rows
go in with Region.objects.bulk_create, level by level, with path and depth computed by the services' own
civicgrid.geo.services._path_for (so they are the paths upsert_region would write), and no change history. On
PostgreSQL the table is ANALYZEd afterwards, as autovacuum would do after a bulk load; SQLite is left as a
deployment has it (no ANALYZE). A street-staff user is created with civicgrid.people.services.upsert_user and
scoped to the middle street with set_scope.

Timed, best of 5, each a complete list of the street's subtree (~N/10 rows):
- ours: restrict(Region.objects.all(), user) with the scope read afresh (as in a new request), then
        .values_list("id", "code", "name", "level", "parent_id"), and also full model instances;
- raw:  ONE query through the Django connection's cursor:
        SELECT id, code, name, level, parent_id FROM geo_region WHERE path >= %s AND path < %s
Target: ours / raw <= 2. Also printed: our query's plan (EXPLAIN on SQLite, EXPLAIN ANALYZE on PostgreSQL) and the
queries our path issues.
"""

from __future__ import annotations

import re
import sys

import _common as c

TARGET = 2.0
REPEATS = 5
STREETS = 10
COMMUNITIES_PER_STREET = 30
COUNTY = "320571"
FIELDS = ("id", "code", "name", "level", "parent_id")
RAW_SQL = "SELECT id, code, name, level, parent_id FROM geo_region WHERE path >= %s AND path < %s"


def square(lon: float, lat: float, size: float) -> dict:
    """GeoJSON text and the derived columns of an axis-aligned square (what _apply_geometry would store)."""
    x1, y1 = round(lon + size, 7), round(lat + size, 7)
    ring = [[lon, lat], [x1, lat], [x1, y1], [lon, y1], [lon, lat]]
    return {
        "geometry": '{"type":"Polygon","coordinates":[' + str(ring).replace(" ", "") + "]}",
        "min_lon": lon, "min_lat": lat, "max_lon": x1, "max_lat": y1,
        "centroid_lon": lon + size / 2, "centroid_lat": lat + size / 2,
        "area_m2": (size * 111_320) ** 2 * 0.855,
    }


def build_tree(n_nodes: int):
    """Bulk-create the tree; returns (the middle street, how many nodes its subtree has, counts by level)."""
    from django.db import connection, transaction

    from civicgrid.geo.models import GridKind, Region, RegionLevel
    from civicgrid.geo.services import _path_for, bump_tree_version

    n_communities = STREETS * COMMUNITIES_PER_STREET
    n_grids = n_nodes - 2 - STREETS - n_communities
    if n_grids < n_communities:
        raise SystemExit(f"--nodes must be at least {2 + STREETS + 2 * n_communities} (one grid per community)")
    grid_digits = max(3, len(str(n_grids // n_communities + 1)))

    def node(code: str, name: str, level: int, parent: Region | None, lon: float, lat: float, size: float,
             kind: str = GridKind.NONE) -> Region:
        path, depth = _path_for(code, parent)
        return Region(code=code, name=name, full_name=name, level=level, grid_kind=kind, parent=parent,
                      path=path, depth=depth, **square(lon, lat, size))

    def create(objs: list[Region]) -> list[Region]:
        return Region.objects.bulk_create(objs, batch_size=2000)

    with transaction.atomic():
        city = create([node("320500", "苏州市", RegionLevel.CITY, None, 120.5, 31.2, 0.5)])[0]
        district = create([node(COUNTY, "苏州工业园区", RegionLevel.DISTRICT, city, 120.6, 31.2, 0.3)])[0]
        streets = create([node(f"{COUNTY}{s:03d}", f"第{s}街道", RegionLevel.STREET, district, 120.6 + s * 0.03, 31.2, 0.03)
                          for s in range(1, STREETS + 1)])
        communities = create([
            node(f"{street.code}{k:03d}", f"{street.name}第{k}社区", RegionLevel.COMMUNITY, street,
                 street.min_lon, 31.2 + k * 0.01, 0.01)
            for street in streets for k in range(1, COMMUNITIES_PER_STREET + 1)
        ])
        per, extra = divmod(n_grids, n_communities)
        grids = []
        for i, community in enumerate(communities):
            for g in range(1, per + (1 if i < extra else 0) + 1):
                grids.append(node(f"{community.code}{g:0{grid_digits}d}", f"{community.name}网格{g}", RegionLevel.GRID,
                                  community, community.min_lon + (g % 30) * 0.001, community.min_lat + (g // 30) * 0.0005,
                                  0.0005, GridKind.COMPREHENSIVE))
        create(grids)
        bump_tree_version()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE geo_region")
    counts = {"streets": len(streets), "communities": len(communities), "grids": len(grids)}
    street = streets[len(streets) // 2]
    expected = sum(1 for r in [street, *communities, *grids] if r.path.startswith(street.path))
    return street, expected, counts


def uses_path_index(plan: str, vendor: str) -> bool:
    """Whether the plan reads geo_region through an index on path with both ends of the range, and never scans it."""
    if vendor == "postgresql":
        return "Seq Scan" not in plan and bool(re.search(r"Index Cond: .*\(path\)::text >= .* AND .*\(path\)::text < ", plan))
    return bool(re.search(r"SEARCH geo_region USING (COVERING )?INDEX \S+ \(path>\? AND path<\?\)", plan))


def main(argv: list[str] | None = None) -> int:
    args = c.parse_args(__doc__.splitlines()[0], nodes=100_000, argv=argv)
    with c.django_database(args.database_url) as database:
        run(args, database)
    return 0


def run(args, database: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civicgrid.geo.models import Region, subtree_upper_bound
    from civicgrid.people.models import Role
    from civicgrid.people.scoping import forget_scope, restrict
    from civicgrid.people.services import set_scope, upsert_user

    print(f"subtree listing   {c.machine_line()}")
    print(f"database: {database}")
    setup_s, (street, expected, counts) = c.timed_once(lambda: build_tree(args.nodes))
    total = Region.objects.count()
    user, _ = upsert_user(username="bench-street", role=Role.STREET_STAFF, display_name="街道工作人员", source="bench")
    set_scope(user, [street], source="bench")
    lo, hi = street.path, subtree_upper_bound(street.path)
    print(f"set-up: {total:,} regions ({counts['streets']} streets, {counts['communities']} communities, "
          f"{counts['grids']:,} grids) by bulk_create in {setup_s:.1f} s (bypasses the services; not in any ratio)")
    print(f"user {user.username!r} scoped to street {street.code} {street.name}: path range [{lo!r}, {hi!r})")
    print()

    def ours_values():
        forget_scope(user)  # a new request reads the scope afresh
        return list(restrict(Region.objects.all(), user).values_list(*FIELDS))

    def ours_models():
        forget_scope(user)
        return list(restrict(Region.objects.all(), user))

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, [lo, hi])
            return cursor.fetchall()

    def ours_values_unordered():
        forget_scope(user)
        return list(restrict(Region.objects.all(), user).order_by().values_list(*FIELDS))

    def ours_models_only():
        forget_scope(user)
        return list(restrict(Region.objects.all(), user).only(*FIELDS))

    def scope_only():
        forget_scope(user)
        return restrict(Region.objects.all(), user)  # lazy: only the scope query runs

    timings = c.best_of_each(REPEATS, {  # round-robin, so that a slow spell of the machine hits all alike
        "raw": raw, "values": ours_values, "models": ours_models,
        "only": ours_models_only, "unordered": ours_values_unordered, "scope": scope_only,
    })
    raw_s, raw_rows = timings["raw"]
    values_s, value_rows = timings["values"]
    models_s, model_rows = timings["models"]
    only_s, unordered_s, scope_s = timings["only"][0], timings["unordered"][0], timings["scope"][0]

    c.print_table(
        ["way", "time", "rows", "ratio to raw"],
        [
            ["raw SQL, one query (baseline)", c.ms(raw_s), f"{len(raw_rows):,}", "1.00x"],
            ["ours: restrict().values_list()", c.ms(values_s), f"{len(value_rows):,}", f"{values_s / raw_s:.2f}x"],
            ["ours: restrict(), model instances", c.ms(models_s), f"{len(model_rows):,}", f"{models_s / raw_s:.2f}x"],
            ["diag: instances, .only(5 fields)", c.ms(only_s), "", f"{only_s / raw_s:.2f}x"],
            ["diag: values_list, no ORDER BY", c.ms(unordered_s), "", f"{unordered_s / raw_s:.2f}x"],
            ["diag: the scope query alone", c.ms(scope_s), "1 row", f"{scope_s / raw_s:.2f}x"],
        ],
    )
    print(f"(best of {REPEATS}; ours includes reading the user's scope, one small query, as a new request does)")
    same = len(raw_rows) == len(value_rows) == len(model_rows) == expected and set(raw_rows) == set(value_rows)
    print(f"sanity: {expected:,} nodes were created under the street; raw {len(raw_rows):,}, values_list "
          f"{len(value_rows):,}, instances {len(model_rows):,}: "
          + ("equal" if same else "DIFFERENT - the path range is wrong here (check the database collation)"))
    print()

    forget_scope(user)
    with CaptureQueriesContext(connection) as queries:
        list(restrict(Region.objects.all(), user).values_list(*FIELDS))
    print(f"queries issued by our path: {len(queries)}")
    for i, q in enumerate(queries.captured_queries, 1):
        print(f"  {i}. {q['sql']}")
    print()

    qs = restrict(Region.objects.all(), user).values_list(*FIELDS)
    if connection.vendor == "postgresql":
        print("EXPLAIN ANALYZE of our query:")
        plan = qs.explain(analyze=True)
    else:
        print("EXPLAIN QUERY PLAN of our query:")
        plan = qs.explain()
    print("\n".join("  " + line for line in plan.splitlines()))
    print(f"path index used for the range: {'yes' if uses_path_index(plan, connection.vendor) else 'NO - investigate'}")
    print()
    print(f"ratio ours/raw, values_list:     {c.verdict(values_s / raw_s, TARGET)}")
    print(f"ratio ours/raw, model instances: {c.verdict(models_s / raw_s, TARGET)}")


if __name__ == "__main__":
    sys.exit(main())
