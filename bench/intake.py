"""Case intake: N cases through the full bulk service path against raw INSERTs of the same rows.

    .venv/bin/python bench/intake.py [--cases 100000] [--database-url URL]

Set-up (not timed): a synthetic district of 400 square grids (through civicgrid.geo.services.upsert_region), the
shipped taxonomy and a responsibility item for each category used (natural clock for half of them, Chinese working
days for the other half), and N random cases over the grids with a category, an address and a phone number.

Timed, round-robin, best of 2:
- ours: civicgrid.cases.services.report_cases(items, channel="upper_platform") in batches of 5,000 — validation,
        phone encryption and keyed hash, coordinate conversion, grid placement, responsibility look-up, the accept
        deadline on its clock and the yellow-warning time, ticket numbers, the case rows and their timeline rows;
- raw:  the same case and timeline rows (read back from what ours wrote) INSERTed again with the DB cursor's
        executemany into the same tables (same indexes and constraints), in one transaction.
Both start from empty case tables. Target: ours / raw <= 10 per case.
"""

from __future__ import annotations

import random
import sys
import time

import _common as c

TARGET = 10.0
REPEATS = 2
BATCH = 5_000
GRID_SIDE = 20  # 20 x 20 grids of 0.005 degrees


def build_district():
    from shapely.geometry import box

    from civicgrid.cases.models import Category, Clock, ResponsibilityItem
    from civicgrid.cases.taxonomy import load_categories
    from civicgrid.geo.models import GridKind, RegionLevel
    from civicgrid.geo.services import bump_tree_version, upsert_region
    from civicgrid.people.models import Department
    from civicgrid.people.services import upsert_department

    city = upsert_region(code="320500", name="苏州市", level=RegionLevel.CITY, parent=None).region
    district = upsert_region(code="320571", name="苏州工业园区", level=RegionLevel.DISTRICT, parent=city).region
    street = upsert_region(code="320571001", name="基准街道", level=RegionLevel.STREET, parent=district).region
    community = upsert_region(code="320571001001", name="基准社区", level=RegionLevel.COMMUNITY, parent=street).region
    for i in range(GRID_SIDE):
        for j in range(GRID_SIDE):
            x, y = 120.70 + i * 0.005, 31.30 + j * 0.005
            upsert_region(code=f"320571001001{i * GRID_SIDE + j + 1:03d}", name=f"网格{i}-{j}", level=RegionLevel.GRID,
                          parent=community, geometry=box(x, y, x + 0.005, y + 0.005), grid_kind=GridKind.COMPREHENSIVE,
                          bump_version=False)
    bump_tree_version()
    load_categories()
    department = upsert_department(code="CGJ", name="区城市管理局", kind=Department.Kind.BUREAU)[0]
    categories = list(Category.objects.filter(parent__isnull=False).order_by("code")[:40])
    for n, category in enumerate(categories):
        ResponsibilityItem.objects.create(category=category, department=department,
                                          clock=Clock.NATURAL if n % 2 else Clock.WORKDAYS)
    return categories


def make_items(n: int, categories):
    from civicgrid.cases.services import IntakeItem

    rng = random.Random(20261125)
    span = GRID_SIDE * 0.005
    return [IntakeItem(title=f"{categories[i % len(categories)].name}问题", description="巡查发现，请尽快处理。",
                       lon=120.70 + rng.random() * span, lat=31.30 + rng.random() * span,
                       category=categories[i % len(categories)], address=f"星湖街{i % 900 + 1}号",
                       contact_phone=f"139{rng.randrange(10**8):08d}", external_ticket_id=f"12345-{i:07d}")
            for i in range(n)]


def clear_cases():
    from django.db import transaction

    from civicgrid.cases.models import Case, CaseEvent, TicketCounter

    with transaction.atomic():
        CaseEvent.objects.all().delete()
        Case.objects.all().delete()
        TicketCounter.objects.all().delete()


def ours(items):
    from civicgrid.cases.services import report_cases

    start = time.perf_counter()
    for i in range(0, len(items), BATCH):
        report_cases(items[i:i + BATCH], channel="upper_platform")
    return time.perf_counter() - start


def table_rows(model):
    from django.db import connection

    columns = [f.column for f in model._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {model._meta.db_table} ORDER BY id")
        return columns, cursor.fetchall()


def raw(tables):
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in tables:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            for i in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[i:i + BATCH])
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser_args = c.parse_args(__doc__.splitlines()[0], argv=argv, extra=[("--cases", int, 100_000)])
    with c.django_database(parser_args.database_url) as database:
        run(parser_args, database)
    return 0


def run(args, database: str) -> None:
    from civicgrid.cases.models import Case, CaseEvent

    print(f"case intake   {c.machine_line()}")
    print(f"database: {database}")
    setup_s, categories = c.timed_once(build_district)
    items = make_items(args.cases, categories)
    print(f"set-up: 400 grids, {len(categories)} responsibility items in {setup_s:.1f} s; {args.cases:,} cases")
    print()
    ours_times, raw_times = [], []
    for _ in range(REPEATS):
        clear_cases()
        ours_times.append(ours(items))
        made = Case.objects.count()
        events = CaseEvent.objects.count()
        tables = [(Case._meta.db_table, table_rows(Case)), (CaseEvent._meta.db_table, table_rows(CaseEvent))]
        clear_cases()
        raw_times.append(raw(tables))
        assert Case.objects.count() == made and CaseEvent.objects.count() == events
    ours_s, raw_s = min(ours_times), min(raw_times)
    n = args.cases
    c.print_table(
        ["way", "total", "per case"],
        [
            ["ours: report_cases, batches of 5,000", c.ms(ours_s), f"{ours_s / n * 1e6:,.0f} µs"],
            ["raw: executemany of the same rows", c.ms(raw_s), f"{raw_s / n * 1e6:,.0f} µs"],
        ],
        align="lrr",
    )
    print(f"sanity: {made:,} cases and {events:,} timeline rows written by ours, the same count by raw")
    print()
    print(f"ratio ours/raw per case: {c.verdict(ours_s / raw_s, TARGET)}")


if __name__ == "__main__":
    sys.exit(main())
