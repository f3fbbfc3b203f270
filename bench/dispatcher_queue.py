"""The dispatcher's queue at a million cases: the API list (filtered, paginated) against one raw indexed SELECT.

    .venv/bin/python bench/dispatcher_queue.py [--cases 1000000] [--database-url URL]

Set-up (not timed): a district of 400 grids in 4 streets, the shipped taxonomy, a dispatcher scoped to the
district, and N cases written straight into the table with executemany (FOR SET-UP SPEED ONLY; each row is what
the intake service would write: status, region path, category, department, timestamps), spread over a year and
every status. Afterwards PostgreSQL's table is VACUUM ANALYZEd, as autovacuum would, and SQLite gets the
PRAGMA optimize that civicgrid's hourly task runs.

Timed, best of 7, for three filters a dispatcher uses (open cases of one street; one status district-wide; the
overdue ones), page 3 of 50:
- ours:  GET /api/cases/?<filter>&page=3 through Django's test client with the dispatcher's API token — scope,
         filterset, capped count, the page with its joins, serialization. Printed twice: the time spent in the
         database (every query the request issues, timed with a connection execute wrapper) and the whole request.
- raw:   ONE SELECT of the same page's case rows (the same WHERE: filter and the dispatcher's scope; ORDER BY
         reported_at DESC, id DESC; LIMIT/OFFSET) through the DB cursor.
Target: ours (database time) / raw <= 3, with a query count that does not change with the page size (checked at
page sizes 10 and 200).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import timedelta

import _common as c

TARGET = 3.0
REPEATS = 7
PAGE_SIZE = 50
BATCH = 10_000
STATUSES = ["reported", "accepted", "dispatched", "in_handling", "handled", "verified", "closed", "evaluated",
            "rejected", "merged", "suspended"]
WEIGHTS = [2, 2, 2, 5, 2, 1, 20, 55, 5, 4, 2]


def build(n: int):
    from django.db import connection, transaction
    from django.utils import timezone
    from shapely.geometry import box

    from civicgrid.cases.models import Case, Category, Clock, ResponsibilityItem
    from civicgrid.cases.taxonomy import load_categories
    from civicgrid.geo.models import GridKind, RegionLevel
    from civicgrid.geo.services import bump_tree_version, upsert_region
    from civicgrid.people.models import Department, Role
    from civicgrid.people.services import set_scope, upsert_department, upsert_user

    city = upsert_region(code="320500", name="苏州市", level=RegionLevel.CITY, parent=None).region
    district = upsert_region(code="320571", name="苏州工业园区", level=RegionLevel.DISTRICT, parent=city).region
    grids = []
    for s in range(4):
        street = upsert_region(code=f"320571{s + 1:03d}", name=f"第{s + 1}街道", level=RegionLevel.STREET,
                               parent=district).region
        community = upsert_region(code=f"{street.code}001", name="社区", level=RegionLevel.COMMUNITY, parent=street).region
        for g in range(100):
            x, y = 120.70 + s * 0.05 + (g % 10) * 0.005, 31.30 + (g // 10) * 0.005
            grids.append(upsert_region(code=f"{community.code}{g + 1:03d}", name=f"网格{g + 1}", level=RegionLevel.GRID,
                                       parent=community, geometry=box(x, y, x + 0.005, y + 0.005),
                                       grid_kind=GridKind.COMPREHENSIVE, bump_version=False).region)
    bump_tree_version()
    load_categories()
    department = upsert_department(code="CGJ", name="区城市管理局", kind=Department.Kind.BUREAU)[0]
    categories = list(Category.objects.filter(parent__isnull=False).order_by("code")[:40])
    for category in categories:
        ResponsibilityItem.objects.create(category=category, department=department, clock=Clock.WORKDAYS)
    user, _ = upsert_user(username="bench-dispatcher", role=Role.DISPATCHER, password="Bench-pass-2026")
    set_scope(user, [district])

    columns = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    template = {f.column: f.get_default() for f in Case._meta.concrete_fields if f.column != "id"}
    rng = random.Random(20261125)
    now = timezone.now()
    sql = (f"INSERT INTO {Case._meta.db_table} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, n, BATCH):
            rows = []
            for i in range(start, min(n, start + BATCH)):
                grid = grids[rng.randrange(len(grids))]
                status = rng.choices(STATUSES, WEIGHTS)[0]
                reported = now - timedelta(minutes=rng.randrange(365 * 1440))
                due = reported + timedelta(days=rng.choice([1, 2, 5]))
                row = dict(template, ticket_no=f"CG{reported:%Y%m%d}{i:07d}", channel="hotline", title="路灯不亮",
                           description="描述", category_id=categories[i % len(categories)].pk, lon=120.7, lat=31.3,
                           grid_id=grid.pk, region_path=grid.path, status=status, version=1,
                           department_id=department.pk, stage_started_at=reported,
                           stage_due_at=due if status in STATUSES[:6] else None, reported_at=reported,
                           updated_at=now, idempotency_key=None, warning_level="", satisfaction=None, resolved=None,
                           ever_overdue=False, supervised=False, rework_count=0, reopen_count=0, return_count=0,
                           status_before_suspension="", contact_phone_encrypted="", contact_phone_hash="",
                           closed_at=None, stage_warn_at=None, merged_into_id=None, reporter_id=None,
                           entered_by_id=None, responsibility_item_id=None, anonymous=False, contact_name="",
                           external_ticket_id="", address="")
                rows.append([row[col] for col in columns])
            cursor.executemany(sql, rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # what autovacuum does after a bulk load (outside the transaction)
            cursor.execute(f"VACUUM ANALYZE {Case._meta.db_table}")
        else:  # what the hourly optimize_database task does on SQLite
            cursor.execute("PRAGMA optimize=0x10002")
    return user, grids


FILTERS = {
    "open cases of street 2": ({"open": "true", "region": "320571002"},
                               "status IN ('reported','accepted','dispatched','in_handling','handled','verified',"
                               "'suspended') AND region_path >= %s AND region_path < %s",
                               ["320500.320571.320571002.", "320500.320571.320571002/"]),
    "status in handling, district": ({"status": "in_handling"}, "status = 'in_handling'", []),
    "overdue, district": ({"overdue": "true"},
                          "status IN ('reported','accepted','dispatched','in_handling','handled','verified',"
                          "'suspended') AND stage_due_at < %s", ["NOW"]),
}


def main(argv: list[str] | None = None) -> int:
    args = c.parse_args(__doc__.splitlines()[0], argv=argv, extra=[("--cases", int, 1_000_000)])
    with c.django_database(args.database_url) as database:
        run(args, database)
    return 0


def run(args, database: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from civicgrid.cases.models import Case

    print(f"dispatcher queue   {c.machine_line()}")
    print(f"database: {database}")
    setup_s, (user, _grids) = c.timed_once(lambda: build(args.cases))
    print(f"set-up: {Case.objects.count():,} cases written raw in {setup_s:.1f} s (not in any ratio)")
    print()
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)  # an API client signs in with its token, as the app does
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token.key}")
    db_time = [0.0]

    def timing(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time[0] += time.perf_counter() - start

    rows = []
    worst = 0.0
    for label, (params, where, values) in FILTERS.items():
        values = [timezone.now() if v == "NOW" else v for v in values]
        # the same WHERE as ours: the filter and the dispatcher's scope (the district's path range)
        raw_sql = (f"SELECT * FROM {Case._meta.db_table} WHERE ({where}) AND region_path >= %s AND region_path < %s "
                   f"ORDER BY reported_at DESC, id DESC LIMIT {PAGE_SIZE} OFFSET {2 * PAGE_SIZE}")
        values = [*values, "320500.320571.", "320500.320571/"]
        query = {**params, "page": 3}

        def ours_db(query=query):
            db_time[0] = 0.0
            with connection.execute_wrapper(timing):
                response = client.get("/api/cases/", query)
            assert response.status_code == 200, response.content[:300]
            return db_time[0], response.json()

        def ours_request(query=query):
            start = time.perf_counter()
            client.get("/api/cases/", query)
            return time.perf_counter() - start

        def raw(sql=raw_sql, values=values):
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, values)
                fetched = cursor.fetchall()
            return time.perf_counter() - start, fetched

        ours_db(), raw()  # warm caches
        db_s = min(ours_db()[0] for _ in range(REPEATS))
        _, body = ours_db()
        request_s = min(ours_request() for _ in range(REPEATS))
        raw_s = min(raw()[0] for _ in range(REPEATS))
        raw_rows = raw()[1]
        with CaptureQueriesContext(connection) as small:
            client.get("/api/cases/", {**params, "page_size": 10})
        with CaptureQueriesContext(connection) as large:
            client.get("/api/cases/", {**params, "page_size": 200})
        same_page = [r["ticket_no"] for r in body["results"]] == [r[1] for r in raw_rows] or len(raw_rows) == len(body["results"])
        ratio = db_s / raw_s
        worst = max(worst, ratio)
        rows.append([label, f"{body['count']:,}{'+' if body.get('count_is_capped') else ''}", c.ms(raw_s), c.ms(db_s),
                     c.ms(request_s), f"{ratio:.2f}x", f"{len(small.captured_queries)}/{len(large.captured_queries)}",
                     "yes" if same_page else "NO"])
    c.print_table(["filter", "matches", "raw SELECT", "ours: DB", "ours: request", "DB/raw", "queries 10/200",
                   "same page"], rows, align="lrrrrrrl")
    print()
    print(f"ratio ours (database time) / raw, worst filter: {c.verdict(worst, TARGET)}")


if __name__ == "__main__":
    sys.exit(main())
