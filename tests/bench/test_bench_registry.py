"""bench/registry_people.py still runs (a small input, its own process): its sanity line and its ratio line, never a
time (bench/README.md and the script's docstring say what it measures)."""

from __future__ import annotations

from tests.bench.test_bench_smoke import run_bench


def test_registry_people_runs():
    out = run_bench("registry_people.py", "--people", "5000")
    assert "sanity: same page as the raw SELECT and every row masked: yes" in out, out
    assert "ratio ours (database time) / raw, worst search" in out, out
