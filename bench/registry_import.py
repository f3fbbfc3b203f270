"""Importing a population file: civicgrid's whole import against a bare bulk load of the same file, in the same run.

    .venv/bin/python bench/registry_import.py [--rows 1000000] [--database-url URL] [--rss-rows 100000]

Set-up (not timed): a district of 400 grids and 20,000 houses, and a CSV of N population rows (UTF-8) with valid
identity numbers, names, phones (70%), addresses of those houses, residence types, tags (15%) and permit dates.

Timed, once each (a million rows take minutes; best-of would take hours):
- baseline: PostgreSQL `COPY bare FROM STDIN (FORMAT csv, HEADER)` of the same file into a table of text columns
  with no index (on SQLite, which has no COPY: csv.reader + executemany into such a table).
- ours (first import): `importing.create_job` + `importing.run`: read, validate every row (python-stdnum rules,
  phones, dates, tags, the house and its grid), hash and encrypt, stage with a checkpoint per 5,000 rows, check
  duplicates and counts, and apply in one transaction (insert people, tag rows, job history, audit row).
- ours (the next day's file): the same file with 10% of the rows changed (phone, house, tags): the upsert path with
  a ChangeRecord (old -> new) per changed person and a PersonMove per move.
Target: ours / COPY <= 3.

Peak memory: the import runs again in a fresh child process for --rss-rows rows and for N rows; the peak RSS
(ru_maxrss) of each is printed. Target: under 300 MB and flat (the same whatever N).

Scoped search at N people: a community staff member's search by surname through registry.selectors (scope +
filter + the first page of 50) against ONE raw SELECT of the same rows with the same WHERE on the same index.
Best of 7. Target <= 3.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import _common as c

TARGET = 3.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌凤辉"
TAGS = ["独居老人", "低保户", "残疾人", "退役军人", "空巢老人", "社区矫正对象"]
HEADER = ["公民身份号码", "姓名", "联系电话", "现住房屋地址", "户籍地址", "人口类型", "人员标签", "来本地日期",
          "居住登记日期", "居住证有效期至"]


def build_tree(houses: int):
    from django.db import connection, transaction
    from django.utils import timezone
    from shapely.geometry import box

    from civicgrid.geo.models import GridKind, RegionLevel
    from civicgrid.geo.services import bump_tree_version, upsert_region
    from civicgrid.people.models import Role
    from civicgrid.people.services import set_scope, upsert_user
    from civicgrid.registry.models import House

    city = upsert_region(code="320500", name="苏州市", level=RegionLevel.CITY, parent=None).region
    district = upsert_region(code="320571", name="苏州工业园区", level=RegionLevel.DISTRICT, parent=city).region
    grids, communities = [], []
    for s in range(4):
        street = upsert_region(code=f"320571{s + 1:03d}", name=f"第{s + 1}街道", level=RegionLevel.STREET,
                               parent=district).region
        for m in range(4):
            community = upsert_region(code=f"{street.code}{m + 1:03d}", name=f"第{m + 1}社区",
                                      level=RegionLevel.COMMUNITY, parent=street).region
            communities.append(community)
            for g in range(25):
                x, y = 120.70 + s * 0.05 + m * 0.0125 + (g % 5) * 0.0025, 31.30 + (g // 5) * 0.0025
                grids.append(upsert_region(code=f"{community.code}{g + 1:03d}", name=f"网格{g + 1}",
                                           level=RegionLevel.GRID, parent=community,
                                           geometry=box(x, y, x + 0.0025, y + 0.0025),
                                           grid_kind=GridKind.COMPREHENSIVE, bump_version=False).region)
    bump_tree_version()
    admin, _ = upsert_user(username="bench-data-admin", role=Role.DATA_ADMIN, password="Bench-pass-2026")
    set_scope(admin, [district])
    staff, _ = upsert_user(username="bench-community", role=Role.COMMUNITY_STAFF, password="Bench-pass-2026")
    set_scope(staff, [communities[5]])
    now = timezone.now()
    rows = []
    for i in range(houses):  # FOR SET-UP SPEED ONLY: the rows upsert_house would write
        grid = grids[i % len(grids)]
        rows.append((f"园区{grid.name}{i // len(grids) + 1}号{i}室", f"{i % 30 + 1}幢", "", str(i), "residential",
                     "owner", 120.7, 31.3, grid.pk, grid.path, now, now))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {House._meta.db_table} (address, building, unit, room, use, occupancy, lon, "
                           "lat, grid_id, region_path, created_at, updated_at) VALUES "
                           "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    return admin, staff, [r[0] for r in rows]


def id_number(rng: random.Random, region: str = "320506") -> str:
    from stdnum.cn import ric

    birth = date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 90))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def write_file(path: Path, n: int, addresses: list[str], *, seed: int = 20261125, changed_share: float = 0.0) -> None:
    """N rows; with changed_share, the same people as seed's file with that share of rows changed."""
    rng, change = random.Random(seed), random.Random(seed + 1)
    seen = set()
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        written = 0
        while written < n:
            number = id_number(rng, "320506" if rng.random() < 0.7 else rng.choice(["320583", "342401", "410102"]))
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            phone = f"1{rng.choice('3578')}{rng.randrange(10 ** 9):09d}" if rng.random() < 0.7 else ""
            house = rng.choice(addresses)
            floating = rng.random() < 0.3
            tags = "、".join(rng.sample(TAGS, 1 + (rng.random() < 0.2))) if rng.random() < 0.15 else ""
            arrival = (date(2015, 1, 1) + timedelta(days=rng.randrange(3000))) if floating else None
            if number in seen:
                continue
            seen.add(number) if n <= 2_000_000 else None
            if changed_share and change.random() < changed_share:
                phone = f"1{change.choice('3578')}{change.randrange(10 ** 9):09d}"
                house = change.choice(addresses)
                tags = "独居老人"
            writer.writerow([number, name, phone, house, "江苏省苏州市", "流动" if floating else "户籍", tags,
                             arrival or "", arrival + timedelta(days=5) if arrival else "",
                             arrival + timedelta(days=5 + 365 * 3) if arrival else ""])
            written += 1


def copy_baseline(path: Path) -> float:
    from django.db import connection

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare")
        cursor.execute(f"CREATE TABLE bench_bare ({columns})")
    start = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with path.open("rb") as f, cursor.cursor.copy("COPY bench_bare FROM STDIN (FORMAT csv, HEADER)") as copy:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        else:
            with path.open(encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                next(reader)
                marks = ", ".join(["%s"] * len(HEADER))
                while batch := [row for _, row in zip(range(10_000), reader, strict=False)]:
                    cursor.executemany(f"INSERT INTO bench_bare VALUES ({marks})", batch)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_bare")
    return elapsed


PHASES: dict[str, float] = {}


def _timed_phases():
    """Wrap the import's phases (stage: read, validate, hash, encrypt, COPY to staging; check; apply) with timers."""
    from civicgrid.registry import importing

    for name in ("stage", "check", "apply"):
        original = getattr(importing, name)
        if getattr(original, "_timed", False):
            continue

        def timed(*args, _original=original, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                PHASES[_name] = PHASES.get(_name, 0.0) + time.perf_counter() - start

        timed._timed = True
        setattr(importing, name, timed)


def production_like() -> None:
    """The benchmark's Django runs with DEBUG on (for the development data key); DEBUG also keeps every query's SQL in
    memory (up to 9,000, some of them long), which a deployment does not: fetch the key, then turn DEBUG off."""
    from django.conf import settings

    from civicgrid.core.crypto import lookup_hash

    lookup_hash("warm up the keys")
    settings.DEBUG = False


def import_file(path: Path, actor) -> tuple[float, object]:
    from civicgrid.registry import importing

    _timed_phases()
    PHASES.clear()
    start = time.perf_counter()
    job = importing.create_job(path, kind="person", actor=actor)
    job = importing.run(job)
    return time.perf_counter() - start, job


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def _reset_peak_rss() -> int:
    """Linux: reset the peak RSS (VmHWM) to the present RSS, so the peak measured after is the import's own (set-up
    and migrations before it may have peaked higher). Returns the present RSS in KB."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    return _status_kb("VmRSS")


def child_rss(args) -> int:
    """--child FILE: set up, import FILE, print the peak RSS in KB (run in a fresh process by the parent)."""
    with c.django_database(args.database_url):
        admin, _staff, _addresses = build_tree(args.houses)  # the same houses as the parent's: the file fits them
        production_like()
        path = Path(args.child)  # written by the parent, so that writing it counts in no one's peak here
        before = _reset_peak_rss()
        _elapsed, job = import_file(path, admin)
        peak = _status_kb("VmHWM")
        print(f"RSS {before} {peak} {job.status} {job.created_count}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = c.parse_args(__doc__.splitlines()[0], argv=argv,
                        extra=[("--rows", int, 1_000_000), ("--houses", int, 20_000), ("--rss-rows", int, 100_000),
                               ("--child-rows", int, 0)],
                        )
    if os.environ.get("BENCH_CHILD"):
        args.child = os.environ["BENCH_CHILD"]
        return child_rss(args)
    with c.django_database(args.database_url) as database:
        run(args, database)
    return 0


def run(args, database: str) -> None:
    from django.db import connection

    from civicgrid.registry import selectors
    from civicgrid.registry.models import Person

    print(f"registry import   {c.machine_line()}")
    print(f"database: {database}")
    tmp = Path(tempfile.mkdtemp(prefix="civicgrid-bench-import-"))
    setup_s, (admin, staff, addresses) = c.timed_once(lambda: build_tree(args.houses))
    production_like()
    first, second = tmp / "people.csv", tmp / "people-next-day.csv"
    gen_s, _ = c.timed_once(lambda: (write_file(first, args.rows, addresses),
                                     write_file(second, args.rows, addresses, changed_share=0.1)))
    print(f"set-up: 400 grids, {args.houses:,} houses in {setup_s:.1f} s; two files of {args.rows:,} rows "
          f"({first.stat().st_size / 1e6:.0f} MB each) written in {gen_s:.1f} s (not in any ratio)")

    baseline_s = copy_baseline(first)
    ours_s, job = import_file(first, admin)
    phases_first = dict(PHASES)
    assert job.status == "done" and job.created_count == args.rows, (
        job.status, job.message, list(job.problems.values_list("row", "column", "value", "reason")[:5]))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {Person._meta.db_table}")
    sync_s, job2 = import_file(second, admin)
    phases_second = dict(PHASES)
    assert job2.status == "done", job2.message
    label = "COPY" if connection.vendor == "postgresql" else "executemany"
    rows = [
        ["first import (all new)", f"{ours_s:.1f} s", f"{baseline_s:.1f} s", f"{ours_s / baseline_s:.2f}×",
         c.verdict(ours_s / baseline_s, TARGET), f"{1e6 * ours_s / args.rows:.0f} µs/row"],
        [f"next day ({job2.updated_count:,} changed)", f"{sync_s:.1f} s", f"{baseline_s:.1f} s",
         f"{sync_s / baseline_s:.2f}×", c.verdict(sync_s / baseline_s, TARGET), f"{1e6 * sync_s / args.rows:.0f} µs/row"],
    ]
    c.print_table(["import", "ours", f"bare {label}", "ratio", f"target ≤ {TARGET:g}×", "per row"], rows)
    for title, phases in (("first import", phases_first), ("next day", phases_second)):
        print(f"  {title}: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
              + "  (stage = read, validate, hash, encrypt, write to staging; apply = one transaction)")

    # scoped search at N people
    surname = "王"
    scope_sql = "region_path >= %s AND region_path < %s"
    from civicgrid.people.scoping import scope_of, subtree_upper_bound

    root = scope_of(staff).paths[0]

    def ours():
        return list(selectors.people_for(staff).filter(name__startswith=surname).order_by("region_path", "name", "id")
                    .values_list("id", "name", "id_number_tail", "house_id")[:50])

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, name, id_number_tail, house_id FROM {Person._meta.db_table} WHERE {scope_sql} "
                           "AND name LIKE %s ORDER BY region_path, name, id LIMIT 50",
                           [root, subtree_upper_bound(root), surname + "%"])
            return cursor.fetchall()

    timings = c.best_of_each(7, {"ours": ours, "raw": raw})
    (ours_q, ours_rows), (raw_q, raw_rows) = timings["ours"], timings["raw"]
    assert [r[0] for r in ours_rows] == [r[0] for r in raw_rows], "the two searches disagree"
    print()
    c.print_table(["search (community staff, surname 王, first 50)", "ours", "raw SELECT", "ratio", "target ≤ 3×"],
                  [[f"{Person.objects.count():,} people", c.ms(ours_q), c.ms(raw_q), f"{ours_q / raw_q:.2f}×",
                    c.verdict(ours_q / raw_q, TARGET)]])

    # peak memory, each in a fresh process
    print()
    rss = []
    for n in sorted({args.rss_rows, args.rows}):
        rss_file = tmp / f"rss-{n}.csv"
        write_file(rss_file, n, addresses)
        env = dict(os.environ, BENCH_CHILD=str(rss_file))
        out = subprocess.run([sys.executable, __file__, "--child-rows", str(n), "--houses", str(args.houses),
                              "--database-url", args.database_url], env=env, capture_output=True, text=True, check=True)
        line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RSS "))
        _tag, before, peak, status, created = line.split()
        rss.append([f"{n:,} rows", f"{int(before) / 1024:.0f} MB", f"{int(peak) / 1024:.0f} MB", status, created])
    c.print_table(["import of", "RSS before import", "peak RSS", "status", "created"], rss)
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()


if __name__ == "__main__":
    sys.exit(main())
