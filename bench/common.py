"""Shared pieces of the benchmarks: figures, result files, a bot in a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.app.composition import bootstrap
from bot.app.config import load_settings
from bot.app.heap import settle_heap
from bot.channels.events import Address
from bot.domain.model import Role
from bot.testing import TEST_KEY, fixed_cipher
from bot.usecases.enrolment import enrol_local

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(os.environ.get("CONCERNBOT_BENCH_RESULTS", ROOT / "bench" / "results"))
"""Where figures are written (``$CONCERNBOT_BENCH_RESULTS`` moves them, e.g. for a test)."""
FIGURES = ROOT / "docs" / "benchmarks"
EXAMPLE_CONFIG = ROOT / "config.example.toml"
TELEGRAM_TOKEN = "123456:BENCH-TOKEN"
SLACK_TOKEN = "xoxb-bench-token"
KEYS = f"test:{TEST_KEY}"
"""The well-known test key of ``bot.testing``: benchmark data is made up and thrown away."""


@contextlib.contextmanager
def harness_without_collections() -> Iterator[None]:
    """While a measured phase runs, this process (the fake platforms, the reporters) makes no
    garbage collections: with every call and reply kept for the figures, its full ones paused
    it for 15-500 ms, a stall the real platforms do not have, counted in the bot's latency.
    What a phase leaves is collected after it."""
    settle_heap()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values``, nearest-rank; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_figures(prefix: str, seconds: Sequence[float]) -> dict[str, float]:
    """p50, p99 and mean of latencies given in seconds, in milliseconds."""
    return {
        f"{prefix}_p50_ms": percentile(seconds, 50) * 1000,
        f"{prefix}_p99_ms": percentile(seconds, 99) * 1000,
        f"{prefix}_mean_ms": (statistics.fmean(seconds) * 1000) if seconds else float("nan"),
    }


def show(title: str, figures: Mapping[str, Any]) -> None:
    """Print figures as an aligned block under a title."""
    print(f"\n== {title}")
    width = max((len(k) for k in figures), default=0)
    for key, value in figures.items():
        shown = f"{value:,.3f}" if isinstance(value, float) else str(value)
        print(f"  {key.ljust(width)}  {shown}")
    sys.stdout.flush()


def save(name: str, data: Mapping[str, Any]) -> Path:
    """Write a benchmark's figures to ``bench/results/<name>.json`` (with when and where)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {
        "benchmark": name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        **data,
    }
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


def free_port() -> int:
    """A loopback port that is free right now (for a server whose URL must be known first)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident set size of a process, in MiB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bot_environment(
    database_url: str,
    http_port: int,
    telegram_url: str | None = None,
    slack_url: str | None = None,
    **overrides: str,
) -> dict[str, str]:
    """Environment for ``concernbot run`` on the example configuration, pointed at fakes.

    ``overrides`` are further settings as ``section_key=value`` (e.g. scheduler_enabled)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERNBOT_")}
    env.update(
        {
            "CONCERNBOT_CONFIG": str(EXAMPLE_CONFIG),
            "CONCERNBOT_DATABASE_URL": database_url,
            "CONCERNBOT_ENCRYPTION_KEYS": KEYS,
            "CONCERNBOT_HTTP_HOST": "127.0.0.1",
            "CONCERNBOT_HTTP_PORT": str(http_port),
            "PYTHONPATH": str(ROOT),
        }
    )
    if telegram_url is not None:
        env["TELEGRAM_BOT_TOKEN"] = TELEGRAM_TOKEN
        env["CONCERNBOT_TELEGRAM_API_BASE_URL"] = telegram_url
    if slack_url is not None:
        env["SLACK_BOT_TOKEN"] = SLACK_TOKEN
        env["SLACK_SIGNING_SECRET"] = "bench-signing-secret"
        env["CONCERNBOT_SLACK_API_BASE_URL"] = slack_url
    for key, value in overrides.items():
        env[f"CONCERNBOT_{key}".upper()] = value
    return env


async def seed_members(
    database_url: str,
    user_ids: Iterable[int],
    role: Role = Role.REPORTER,
    language: str = "en",
    channel: str = "telegram",
) -> None:
    """Enrol Telegram users directly in the database (as if each had followed an invite)."""
    settings = load_settings(EXAMPLE_CONFIG, {"CONCERNBOT_DATABASE_URL": database_url})
    app = await bootstrap(settings, cipher=fixed_cipher(), environ={})
    try:
        now = app.clock.now()
        async with app.uow() as uow:
            for user_id in user_ids:
                address = Address(channel, str(user_id))
                await enrol_local(uow, settings, address, role, f"User{user_id}", language, now)
            await uow.commit()
    finally:
        await app.close()


@dataclass
class BotProcess:
    """``concernbot run`` in a process of its own; ready once /healthz answers ok."""

    env: dict[str, str]
    http_port: int
    args: Sequence[str] = ("run",)
    module: str = "bot.app.cli"
    """What ``python -m`` runs (a benchmark's variant of ``concernbot``)."""
    python_options: Sequence[str] = ()
    """Put before ``-m bot.app.cli``, e.g. ``("-m", "cProfile", "-o", "run.prof")`` to profile."""
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    ready_after: float = 0.0
    log: Path | None = None
    _log_file: Any = field(default=None, repr=False)

    async def start(self, within: float = 60.0) -> float:
        """Start the process and wait until it is ready; return seconds from start to ready."""
        if self.log is not None:
            self._log_file = self.log.open("wb")
        self.started_at = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *self.python_options,
            "-m",
            self.module,
            *self.args,
            env=self.env,
            cwd=ROOT,
            stdout=self._log_file or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self._log_file else subprocess.DEVNULL,
        )
        self.ready_after = await self.wait_ready(within)
        return self.ready_after

    async def wait_ready(self, within: float) -> float:
        """Poll /healthz until it answers 200 with ok and ready (every channel started, not
        merely the HTTP server up); seconds since start."""
        assert self.process is not None
        deadline = time.perf_counter() + within
        url = f"http://127.0.0.1:{self.http_port}/healthz"
        async with aiohttp.ClientSession() as session:
            while time.perf_counter() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError(f"the bot exited with {self.process.returncode}")
                try:
                    async with session.get(url) as answer:
                        report = await answer.json() if answer.status == 200 else {}
                        if report.get("ok") and report.get("ready"):
                            return time.perf_counter() - self.started_at
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.005)
        raise TimeoutError("the bot did not become ready")

    def rss_mb(self) -> float:
        """The process's resident set size now, in MiB."""
        assert self.process is not None
        return rss_mb(self.process.pid)

    async def stop(self, within: float = 30.0) -> int:
        """SIGTERM, then wait (SIGKILL after ``within`` seconds); the exit code."""
        if self.process is None:
            return 0
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), within)
            except TimeoutError:
                self.process.kill()
        code = await self.process.wait()
        if self._log_file is not None:
            self._log_file.close()
        return code
