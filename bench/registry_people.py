"""The people search at a million residents: the registry API list (scoped, filtered, masked) against one raw SELECT.

    .venv/bin/python bench/registry_people.py [--people 1000000] [--database-url URL]

Set-up (not timed): a district of 400 grids in 4 streets (one community each), a house per grid, and N people
written straight into the table with executemany (FOR SET-UP SPEED ONLY; each row is what the registry services
would write: keyed hashes, ciphertexts from a pool, the identity number's last four characters, the region path),
with 5% tagged 独居老人 (PersonTag rows with the tag's keyed hash) and 20% floating with a permit expiry date.
Afterwards PostgreSQL's tables are VACUUM ANALYZEd, as autovacuum would, and SQLite gets the PRAGMA optimize that
civicgrid's hourly task runs.

Timed, best of 7, page 3 of 50, for the searches of the people page as street staff (a quarter of the district),
a grid worker (two grids) and a dispatcher (the whole district):
- ours:  GET /api/registry/people/?<filter>&page=3 through Django's test client with the user's API token — scope,
         filterset, capped count, the page with its joins, decrypting and masking the page's phones and tags,
         serialization. Printed twice: the time spent in the database and the whole request.
- raw:   the two statements the page needs, through the DB cursor: ONE SELECT of the same page's person rows (the
         same WHERE: filter and scope; ORDER BY region_path, name, id; LIMIT/OFFSET) and the capped count of the
         matches (SELECT COUNT(*) FROM (SELECT id ... LIMIT 1001)), as the page says "1,000+".
Target: ours (database time) / raw <= 3, and the query count constant between page sizes 10 and 200. The ratio to
the page SELECT alone is printed too: where a filter is selective and not indexed with the scope (a permit date, a
name anywhere in it), counting up to 1,001 matches reads far more rows than a page of 50 does.
The HTML search page (/registry/) is timed too, for the street staff's plain list (not in the ratio).
"""

from __future__ import annotations

import json
import logging
import random
import sys
import time
from datetime import date, timedelta

import _common as c

TARGET = 3.0
REPEATS = 7
PAGE_SIZE = 50
BATCH = 10_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "建国秀英志强丽华国平明月海燕小红伟军敏静桂兰玉梅文杰子涵浩然思琪"
TAG = "独居老人"


def build(n: int):
    from django.db import connection, transaction
    from shapely.geometry import box

    from civicgrid.core.crypto import encrypt
    from civicgrid.geo.models import GridKind, RegionLevel
    from civicgrid.geo.services import bump_tree_version, upsert_region
    from civicgrid.people.models import Role
    from civicgrid.people.services import set_scope, upsert_user
    from civicgrid.registry.models import House, Person, PersonTag
    from civicgrid.registry.services import tag_hash, tags_digest

    city = upsert_region(code="320500", name="苏州市", level=RegionLevel.CITY, parent=None).region
    district = upsert_region(code="320571", name="苏州工业园区", level=RegionLevel.DISTRICT, parent=city).region
    grids, streets = [], []
    for s in range(4):
        street = upsert_region(code=f"320571{s + 1:03d}", name=f"第{s + 1}街道", level=RegionLevel.STREET,
                               parent=district).region
        streets.append(street)
        community = upsert_region(code=f"{street.code}001", name="社区", level=RegionLevel.COMMUNITY, parent=street).region
        for g in range(100):
            x, y = 120.70 + s * 0.05 + (g % 10) * 0.005, 31.30 + (g // 10) * 0.005
            grids.append(upsert_region(code=f"{community.code}{g + 1:03d}", name=f"网格{g + 1}", level=RegionLevel.GRID,
                                       parent=community, geometry=box(x, y, x + 0.005, y + 0.005),
                                       grid_kind=GridKind.COMPREHENSIVE, bump_version=False).region)
    bump_tree_version()
    houses = House.objects.bulk_create([
        House(address=f"第{i // 100 + 1}街道某路{i + 1}号", building="1幢", grid=g, region_path=g.path,
              lon=120.7, lat=31.3) for i, g in enumerate(grids)])
    users = {}
    for name, role, scope in (("bench-street", Role.STREET_STAFF, [streets[1]]),
                              ("bench-worker", Role.GRID_WORKER, grids[120:122]),
                              ("bench-dispatcher", Role.DISPATCHER, [district])):
        users[name] = upsert_user(username=name, role=role, password="Bench-pass-2026")[0]
        set_scope(users[name], scope)

    phones = [encrypt(f"139{k:08d}") for k in range(500)]
    tagged = encrypt(json.dumps([TAG], ensure_ascii=False))
    digest = tags_digest([TAG])
    columns = [f.column for f in Person._meta.concrete_fields if f.column != "id"]
    template = {f.column: f.get_default() for f in Person._meta.concrete_fields if f.column != "id"}
    sql = (f"INSERT INTO {Person._meta.db_table} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    rng = random.Random(20261126)
    today = date.today()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, n, BATCH):
            rows = []
            for i in range(start, min(n, start + BATCH)):
                house = houses[rng.randrange(len(houses))]
                floating = rng.random() < 0.2
                tag = rng.random() < 0.05
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                row = dict(template, id_number_hash=f"{i:064x}", id_number_encrypted="v1:x",
                           id_number_tail=f"{rng.randrange(10000):04d}", name=name, sex=rng.choice("MF"),
                           birth_date=date(1940 + rng.randrange(70), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                           phone_hash=f"p{i:063x}", phone_encrypted=rng.choice(phones), household_address="",
                           house_id=house.pk, grid_id=house.grid_id, region_path=house.region_path,
                           residence_type="floating" if floating else "registered",
                           tags_encrypted=tagged if tag else "", tags_hash=digest if tag else "",
                           arrival_date=None, registered_on=None,
                           permit_expires_on=today + timedelta(days=rng.randrange(-200, 900)) if floating else None,
                           created_at=c_now(), updated_at=c_now(), created_by_job_id=None)
                rows.append([row[col] for col in columns])
            cursor.executemany(sql, rows)
        cursor.execute(f"INSERT INTO {PersonTag._meta.db_table} (person_id, tag_hash) "
                       f"SELECT id, %s FROM {Person._meta.db_table} WHERE tags_hash != ''", [tag_hash(TAG)])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # what autovacuum does after a bulk load (outside the transaction)
            cursor.execute(f"VACUUM ANALYZE {Person._meta.db_table}")
            cursor.execute(f"VACUUM ANALYZE {PersonTag._meta.db_table}")
        else:  # what the hourly optimize_database task does on SQLite
            cursor.execute("PRAGMA optimize=0x10002")
    return users, streets, grids


def c_now():
    from django.utils import timezone

    return timezone.now()


def searches(streets, grids):
    from civicgrid.geo.models import subtree_upper_bound
    from civicgrid.registry.services import tag_hash

    street = streets[1].path
    pair = sorted(g.path for g in grids[120:122])
    in_street = "region_path >= %s AND region_path < %s"
    in_grids = "((region_path >= %s AND region_path < %s) OR (region_path >= %s AND region_path < %s))"
    street_args = [street, subtree_upper_bound(street)]
    grid_args = [pair[0], subtree_upper_bound(pair[0]), pair[1], subtree_upper_bound(pair[1])]
    soon = (date.today() + timedelta(days=90)).isoformat()
    return {
        "street: the list": ("bench-street", {}, in_street, street_args),
        "street: name 王…": ("bench-street", {"name": "王"}, f"{in_street} AND name LIKE %s", [*street_args, "王%"]),
        "street: ID ends 1234": ("bench-street", {"id_tail": "1234"}, f"{in_street} AND id_number_tail = %s",
                                 [*street_args, "1234"]),
        f"street: tag {TAG}": ("bench-street", {"tag": TAG},
                               f"{in_street} AND id IN (SELECT person_id FROM registry_persontag WHERE tag_hash = %s)",
                               [*street_args, tag_hash(TAG)]),
        "street: permit by +90 d": ("bench-street", {"permit_before": soon},
                                    f"{in_street} AND permit_expires_on <= %s", [*street_args, soon]),
        "grid worker: the list": ("bench-worker", {}, in_grids, grid_args),
        "district: name …建国": ("bench-dispatcher", {"name": "建国", "name_match": "contains"},
                               "name LIKE %s", ["%建国%"]),
    }


def main(argv: list[str] | None = None) -> int:
    args = c.parse_args(__doc__.splitlines()[0], argv=argv, extra=[("--people", int, 1_000_000)])
    with c.django_database(args.database_url) as database:
        run(args, database)
    return 0


def run(args, database: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from civicgrid.registry.models import Person

    logging.getLogger("django.request").setLevel(logging.ERROR)  # a search with fewer than 3 pages answers 404 first
    print(f"registry people   {c.machine_line()}")
    print(f"database: {database}")
    setup_s, (users, streets, grids) = c.timed_once(lambda: build(args.people))
    print(f"set-up: {Person.objects.count():,} people written raw in {setup_s:.1f} s (not in any ratio)")
    print()
    clients = {}
    for name, user in users.items():
        token, _ = Token.objects.get_or_create(user=user)
        clients[name] = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token.key}")
    db_time = [0.0]

    def timing(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time[0] += time.perf_counter() - start

    rows, worst, sane, details = [], 0.0, True, []
    for label, (who, params, where, values) in searches(streets, grids).items():
        client = clients[who]
        raw_sql = (f"SELECT * FROM {Person._meta.db_table} WHERE {where} ORDER BY region_path, name, id "
                   f"LIMIT {PAGE_SIZE} OFFSET {2 * PAGE_SIZE}")
        count_sql = f"SELECT COUNT(*) FROM (SELECT id FROM {Person._meta.db_table} WHERE {where} LIMIT 1001) matches"
        query = {**params, "page": 3}

        def ours_db(client=client, query=query):
            db_time[0] = 0.0
            with connection.execute_wrapper(timing):
                response = client.get("/api/registry/people/", query)
            if response.status_code == 404:  # fewer than three pages
                response = client.get("/api/registry/people/", {**query, "page": 1})
            assert response.status_code == 200, response.content[:300]
            return db_time[0], response.json()

        def ours_request(client=client, query=query):
            start = time.perf_counter()
            client.get("/api/registry/people/", query)
            return time.perf_counter() - start

        def raw(sql=raw_sql, values=values):
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, values)
                fetched = cursor.fetchall()
            return time.perf_counter() - start, fetched

        def raw_count(sql=count_sql, values=values):
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, values)
                cursor.fetchall()
            return time.perf_counter() - start

        ours_db(), raw()  # warm caches
        db_s = min(ours_db()[0] for _ in range(REPEATS))
        _, body = ours_db()
        request_s = min(ours_request() for _ in range(REPEATS))
        raw_s = min(raw()[0] for _ in range(REPEATS))
        count_s = min(raw_count() for _ in range(REPEATS))
        raw_rows = raw()[1]
        with CaptureQueriesContext(connection) as traced:
            client.get("/api/registry/people/", query)
        details.append((label, [(float(q["time"]), q["sql"]) for q in traced.captured_queries]))
        with CaptureQueriesContext(connection) as small:
            client.get("/api/registry/people/", {**params, "page_size": 10})
        with CaptureQueriesContext(connection) as large:
            client.get("/api/registry/people/", {**params, "page_size": 200})
        same = [r["id"] for r in body["results"]] == [r[0] for r in raw_rows] or not raw_rows
        masked = all(r["phone"].count("*") == 4 and r["id_number"].startswith("*" * 14) for r in body["results"])
        sane = sane and same and masked
        ratio = db_s / (raw_s + count_s)
        worst = max(worst, ratio)
        rows.append([label, f"{body['count']:,}{'+' if body.get('count_is_capped') else ''}", c.ms(raw_s),
                     c.ms(count_s), c.ms(db_s), c.ms(request_s), f"{ratio:.2f}x", f"{db_s / raw_s:.1f}x",
                     f"{len(small.captured_queries)}/{len(large.captured_queries)}", "yes" if same else "NO",
                     "yes" if masked else "NO"])
    c.print_table(["search", "matches", "raw page", "raw count", "ours: DB", "ours: request", "DB/raw",
                   "DB/page", "queries 10/200", "same page", "masked"], rows, align="lrrrrrrrrll")
    print()
    print("the queries of each search's request (seconds, SQL), for the record:")
    for label, queries in details:
        print(f"  {label}")
        for seconds, sql in queries:
            print(f"    {seconds:.4f}  {sql[:400]}")
    page_client = Client(HTTP_HOST="127.0.0.1")
    page_client.force_login(users["bench-street"])
    page_client.get("/registry/")
    page_s, _ = c.best_of(REPEATS, lambda: page_client.get("/registry/?page=3"))
    print()
    print(f"HTML search page /registry/?page=3 as street staff (whole request): {c.ms(page_s)}")
    print(f"sanity: same page as the raw SELECT and every row masked: {'yes' if sane else 'NO'}")
    print(f"ratio ours (database time) / raw, worst search: {c.verdict(worst, TARGET)}")


if __name__ == "__main__":
    sys.exit(main())
