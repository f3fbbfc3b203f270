"""bench/registry_people.py and bench/registry_import.py still run (a small input, their own process): their sanity
and ratio lines, never a time (bench/README.md and the scripts' docstrings say what they measure)."""

from __future__ import annotations

from tests.bench.test_bench_smoke import run_bench


def test_registry_people_runs():
    out = run_bench("registry_people.py", "--people", "5000")
    assert "sanity: same page as the raw SELECT and every row masked: yes" in out, out
    assert "ratio ours (database time) / raw, worst search" in out, out


def test_registry_import_runs():
    """The import benchmark on a small file: both imports end done (its own asserts), the searches agree, the peak
    memory lines are printed."""
    out = run_bench("registry_import.py", "--rows", "3000", "--rss-rows", "1000", "--houses", "500")
    assert "first import (all new)" in out and "next day" in out, out
    assert "search (community staff" in out and "3,000 rows" in out and "1,000 rows" in out, out
