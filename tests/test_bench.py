"""The benchmarks still run: each, at a toy size, ends well and writes its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.sqlite_only  # the turns benchmark brings its own SQLite file


def test_the_turns_benchmark_runs_all_three_bots_and_reports_ratios(tmp_path: Path) -> None:
    env = {**os.environ, "CONCERNBOT_BENCH_RESULTS": str(tmp_path)}
    env.pop("CONCERNBOT_TEST_POSTGRES_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bench.turns", "--reporters", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = json.loads((tmp_path / "turns.json").read_text())
    assert set(figures["results"]) == {"echo", "peer", "concernbot"}
    ours = figures["results"]["concernbot"]
    assert ours["turns"] == 3 * figures["turns_per_reporter"]
    assert ours["alerts"] == 3
    assert ours["alerts_missing"] == 0
    assert {"throughput_vs_echo", "throughput_vs_peer"} <= set(figures["ratios"])
