"""Shared plumbing of the benchmarks: options, a throw-away Django set-up, best-of timing and a plain table.

Every benchmark compares our code path with a bare baseline measured in the same run and prints the ratio; no
absolute time is ever asserted (machines are noisy).

Where the data go:
- SQLite (the default): a fresh file in a temporary directory, removed at the end.
- PostgreSQL (`--database-url postgres://...` or DATABASE_URL): a fresh schema `bench_<pid>_<random>` inside the
  given database, put first on the connection's search_path, migrated, and dropped (CASCADE) at the end. Nothing
  outside that schema is read or written, so pointing a benchmark at a database that holds other data is harmless.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[1]


def parse_args(description: str, *, points: int | None = None, nodes: int | None = None,
               argv: Sequence[str] | None = None, extra: Sequence[tuple[str, type, Any]] = ()) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    for flag, kind, default in extra:
        parser.add_argument(flag, type=kind, default=default, help=f"(default {default:,})")
    if points is not None:
        parser.add_argument("--points", type=int, default=points, help=f"number of random points (default {points:,})")
    if nodes is not None:
        parser.add_argument("--nodes", type=int, default=nodes, help=f"size of the region tree (default {nodes:,})")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="sqlite:///... or postgres://user@host:port/db (default: $DATABASE_URL, else a temporary SQLite file)",
    )
    return parser.parse_args(argv)


@contextmanager
def django_database(database_url: str) -> Iterator[str]:
    """Configure and set up Django on a throw-away database; yields a one-line description of it."""
    tmp = Path(tempfile.mkdtemp(prefix="civicgrid-bench-"))
    src = REPO_DIR / "src"
    if str(src) not in sys.path and not _importable("civicgrid"):
        sys.path.insert(0, str(src))
    os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
    os.environ["DEBUG"] = "1"
    os.environ["CIVICGRID_DATA_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    schema = None
    try:
        if connection.vendor == "postgresql":
            schema = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
            # settings_dict is the dict the connection is opened with; no connection has been opened yet.
            connection.settings_dict.setdefault("OPTIONS", {})["options"] = f"-c search_path={schema}"
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{schema}"')
        call_command("migrate", verbosity=0, interactive=False)
        yield describe_database(schema)
    finally:
        try:
            if schema is not None:
                connection.close()  # drop any open transaction before dropping the schema
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            connection.close()
            shutil.rmtree(tmp, ignore_errors=True)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def describe_database(schema: str | None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            # to_jsonb: the locale columns differ between versions (daticulocale up to 16, datlocale from 17).
            cursor.execute("SELECT to_jsonb(d) FROM pg_database d WHERE datname = current_database()")
            db = cursor.fetchone()[0]
            if isinstance(db, str):
                db = json.loads(db)
            if db.get("datlocprovider", "c") == "c":
                collation = f"libc {db.get('datcollate')}"
            else:
                collation = f"ICU {db.get('datlocale') or db.get('daticulocale')}"
            return (f"PostgreSQL {version} at {connection.settings_dict['HOST'] or 'local socket'}, "
                    f"database {connection.settings_dict['NAME']}, schema {schema}, collation {collation}")
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]} (temporary file, WAL)"


def machine_line() -> str:
    import numpy
    import shapely

    return (f"Python {platform.python_version()}, numpy {numpy.__version__}, shapely {shapely.__version__} "
            f"(GEOS {shapely.geos_version_string}), {os.cpu_count()} CPUs, {platform.machine()}")


def best_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall time of `repeats` calls of fn (garbage collected before each) and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeats):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def best_of_each(repeats: int, fns: dict[str, Callable[[], Any]]) -> dict[str, tuple[float, Any]]:
    """best_of() for several functions, run round-robin so that a slow spell of the machine hits them all alike."""
    best = dict.fromkeys(fns, float("inf"))
    results: dict[str, Any] = {}
    for _ in range(repeats):
        for name, fn in fns.items():
            results[name] = None
            gc.collect()
            start = time.perf_counter()
            results[name] = fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: (best[name], results[name]) for name in fns}


def timed_once(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str = "") -> None:
    """A plain-text table; `align` has one letter per column, "l" or "r" (default: first left, others right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(_pad(cell, widths[i], right=align[i] == "r") for i, cell in enumerate(row)).rstrip()

    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:.2f}x (target <= {target:g}x: {'met' if ratio <= target else 'NOT met'})"
