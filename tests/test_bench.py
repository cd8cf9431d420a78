"""The benchmarks still run: each, at a toy size, ends well and writes its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.testing import POSTGRES_ENV, using_postgres

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.sqlite_only  # the turns benchmark brings its own SQLite file
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


@pytest.mark.skipif(not using_postgres(), reason=f"{POSTGRES_ENV} is not set")
def test_the_turns_benchmark_runs_on_postgresql_with_one_and_three_instances(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "CONCERNBOT_BENCH_RESULTS": str(tmp_path)}
    server = env.pop(POSTGRES_ENV)
    command = ["--database", "postgresql", "--postgres-url", server, "--reporters", "3"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.turns", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = json.loads((tmp_path / "turns-postgres.json").read_text())
    assert set(figures["results"]) == {"sqlite", "postgresql_1", "postgresql_3"}
    for key in ("postgresql_1", "postgresql_3"):
        run = figures["results"][key]
        assert run["turns"] == 3 * figures["turns_per_reporter"]
        assert run["alerts_missing"] == 0
        assert run["xact_per_turn"] > 0
        assert run["connections_opened"] >= run["instances"]
        assert run["cpu_ms_per_turn"] > 0
    assert {
        "postgresql_1_vs_sqlite_throughput",
        "postgresql_3_vs_sqlite_throughput",
        "postgresql_3_vs_postgresql_1_cpu_per_turn",
    } <= set(figures["ratios"])
