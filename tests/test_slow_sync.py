"""The benchmarks' slow disk: each SQLite commit (one sync in WAL with synchronous=FULL)
takes at least the injected time longer; without it, nothing is injected."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.slow_sync import slow_sync_env

COMMITS = 20
TIMED = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE t (x)")
began = time.perf_counter()
for i in range(int(sys.argv[2])):
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO t VALUES (?)", (i,))
    db.execute("COMMIT")
print(time.perf_counter() - began)
"""


def seconds_for_commits(database: Path, extra: dict[str, str]) -> float:
    """How long ``COMMITS`` commits take in a fresh process with ``extra`` in its env."""
    done = subprocess.run(
        [sys.executable, "-c", TIMED, str(database), str(COMMITS)],
        env={**os.environ, **extra},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def test_each_sync_waits_the_injected_time(tmp_path: Path) -> None:
    env = slow_sync_env(10.0)
    assert env["BENCH_SLOW_SYNC_US"] == "10000"

    slow = seconds_for_commits(tmp_path / "slow.db", env)

    assert slow >= COMMITS * 0.010  # one sync, at least, per commit
    assert slow_sync_env(0) == {}
