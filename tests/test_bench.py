"""The benchmarks still run: each, at a toy size, ends well and writes its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.testing import POSTGRES_ENV, using_postgres

ROOT = Path(__file__).resolve().parent.parent


def run_bench(
    tmp_path: Path,
    module: str,
    *args: str,
    env: dict[str, str] | None = None,
    saved: str | None = None,
    timeout: int = 240,
) -> dict[str, Any]:
    """``python -m bench.MODULE ARGS`` with its figures written under ``tmp_path`` (and no test
    database of ours in its environment, unless ``env`` is given); the figures it saved (as
    ``saved``.json, by default the module's name)."""
    if env is None:
        env = {**os.environ, "CONCERNBOT_BENCH_RESULTS": str(tmp_path)}
        env.pop(POSTGRES_ENV, None)
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    path = tmp_path / f"{saved or module}.json"
    figures: dict[str, Any] = json.loads(path.read_text())
    return figures


def run_turns(tmp_path: Path, *args: str) -> dict[str, Any]:
    """``python -m bench.turns ARGS``; its figures."""
    return run_bench(tmp_path, "turns", *args)


@pytest.mark.sqlite_only  # the benchmark brings its own SQLite file
def test_the_turns_benchmark_runs_every_bot_and_reports_ratios(tmp_path: Path) -> None:
    figures = run_turns(tmp_path, "--reporters", "3")
    bots = {"echo", "aiogram", "peer", "durable-peer", "echo-default", "peer-default"}
    assert set(figures["results"]) == bots | {"concernbot"}
    for name, result in figures["results"].items():
        assert result["turns"] == 3 * figures["turns_per_reporter"], name
    ours = figures["results"]["concernbot"]
    assert ours["alerts"] == 3
    assert ours["alerts_missing"] == 0
    assert {f"throughput_vs_{name}" for name in bots} <= set(figures["ratios"])


@pytest.mark.sqlite_only  # the benchmark brings its own SQLite file
def test_the_open_loop_measures_capacity_then_runs_at_half_and_four_fifths(
    tmp_path: Path,
) -> None:
    names = ("echo", "durable-peer", "concernbot")
    figures = run_turns(tmp_path, "--reporters", "2", "--open-loop", "--only", *names)
    for name in names:
        result = figures["results"][name]
        for fraction in (50, 80):
            assert result[f"at{fraction}_rate_target"] > 0, name
            assert result[f"at{fraction}_turn_p99_ms"] > 0, name


@pytest.mark.sqlite_only  # the benchmark brings its own SQLite file
def test_a_fixed_rate_offers_turns_at_that_rate(tmp_path: Path) -> None:
    figures = run_turns(tmp_path, "--reporters", "2", "--rate", "40", "--only", "aiogram")
    result = figures["results"]["aiogram"]
    assert result["turns"] == 2 * figures["turns_per_reporter"]
    assert 20 < result["at40_rate_offered"] < 60
    assert result["at40_turn_p99_ms"] > 0


@pytest.mark.sqlite_only  # the benchmark brings its own SQLite file
def test_the_sync_cost_benchmark_runs_concernbot_four_ways(tmp_path: Path) -> None:
    args = ("--reporters", "2", "--delay-ms", "1")
    figures = run_bench(tmp_path, "sync_cost", *args)["figures"]
    for group in ("true", "false"):
        assert figures[f"slow_vs_fast[group_commit={group}]"] > 0
        for disk in ("fast", "slow"):
            assert figures[f"turns_per_s[group_commit={group}, {disk} disk]"] > 0


@pytest.mark.sqlite_only  # the benchmark brings its own SQLite file
def test_the_production_limits_run_names_what_caps_it_and_gets_no_429(tmp_path: Path) -> None:
    figures = run_bench(tmp_path, "turns_limits", "--reporters", "2")["figures"]
    assert figures["turns"] == 2 * 18
    assert figures["answered_429"] == 0
    assert figures["capped_by"] in {"overall", "per_chat"}
    assert figures["sends_per_turn"] >= 1
    # Two chats at about a message a second each: the per-chat limit is what holds it back.
    assert figures["capped_by"] == "per_chat"
    assert 0.8 < figures["turns_per_s_of_the_cap"] < 1.05


@pytest.mark.skipif(not using_postgres(), reason=f"{POSTGRES_ENV} is not set")
def test_the_turns_benchmark_runs_on_postgresql_with_one_and_three_instances(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "CONCERNBOT_BENCH_RESULTS": str(tmp_path)}
    server = env.pop(POSTGRES_ENV)
    command = ["--database", "postgresql", "--postgres-url", server, "--reporters", "3"]
    figures = run_bench(tmp_path, "turns", *command, env=env, saved="turns-postgres", timeout=300)
    runs = {"postgresql_1", "postgresql_1_webhook", "postgresql_3"}
    assert set(figures["results"]) == {"sqlite", *runs}
    assert figures["results"]["postgresql_1_webhook"]["instances"] == 1
    for key in sorted(runs):
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
        "postgresql_3_vs_postgresql_1_webhook_cpu_per_turn",
        "postgresql_1_webhook_vs_sqlite_throughput",
    } <= set(figures["ratios"])
