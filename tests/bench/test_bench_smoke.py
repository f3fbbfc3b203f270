"""The benchmarks still run: each script on a small input, in its own process (they set Django up themselves).

No timing is checked here (bench/README.md has the numbers); only that each script ends with its ratio line and
that its sanity check holds. They use the suite's DATABASE_URL when set (a throw-away schema on PostgreSQL),
else a temporary SQLite file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_bench(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_point_to_grid_runs():
    out = run_bench("point_to_grid.py", "--points", "20000")
    if "data set not present" in out:
        pytest.skip("real data set not present (sip-grid)")
    assert "sanity: ours inside" in out and ": equal" in out, out
    assert "bulk (raster) answers vs exact path: identical" in out, out
    assert "ratio ours/bare" in out, out


def test_subtree_runs():
    out = run_bench("subtree.py", "--nodes", "1000")
    assert "equal" in out.split("sanity:")[1].splitlines()[0], out
    assert "path index used for the range: yes" in out, out
    assert "queries issued by our path: 2" in out, out
    assert "ratio ours/raw, values_list" in out, out


def test_intake_runs():
    out = run_bench("intake.py", "--cases", "2000")
    assert "sanity: 2,000 cases and 2,000 timeline rows" in out, out
    assert "ratio ours/raw per case" in out, out
