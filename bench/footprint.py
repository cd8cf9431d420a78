"""Benchmark 5 of issue 8, footprint: the bot's resident memory with many share dialogs in
progress (their state lives in the database, not in the process), and seconds from start to
ready, with where those seconds go.

    python -m bench.footprint [--quick] [--dialogs N] [--steps S] [--starts K] [--peer]

``concernbot run`` runs in a process of its own as in production: Telegram (polling) against
the fake Bot API, Slack against the fake Web API, the scheduler on. The fakes and the driver run
in this process. For comparison, the same dialogs are held by the common python-telegram-bot
way (``bench.peer_bot``: ConversationHandler and PicklePersistence). With
$CONCERNBOT_TEST_POSTGRES_URL set, the bot uses throwaway PostgreSQL databases on that server
instead of SQLite files.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select

from adapters.telegram.translate import parse_callback
from bench.common import (
    EXAMPLE_CONFIG,
    FIGURES,
    RESULTS,
    ROOT,
    SLACK_TOKEN,
    TELEGRAM_TOKEN,
    BotProcess,
    bot_environment,
    free_port,
    latency_figures,
    rss_mb,
    save,
    seed_members,
    show,
)
from bot.app.composition import bootstrap
from bot.app.config import load_settings
from bot.scheduling.scheduler import build_jobs, previous_slot
from bot.storage.engine import create_engine
from bot.storage.tables import dialog_states
from bot.testing import (
    CREATED_DATABASES,
    POSTGRES_ENV,
    SHARE_SCRIPT,
    database_url,
    fixed_cipher,
)
from dialogs.share_flow import FLOW as SHARE
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram

START_TARGET_SECONDS = 2.0
RSS_TARGET_MB = 200.0
FIRST_USER = 5_000_000
PEER_FIRST_USER = 6_000_000
ANSWER_WITHIN = 120.0
PEER_DIALOGS = 3_000
"""The peer's default: beyond a few thousand conversations in progress its persistence stalls
it for minutes (see measure_peer), and the comparison would take most of the run."""
PEER_STOP_WITHIN = 120.0
UNLIMITED = {
    # The fake does not enforce Telegram's send limits, and this benchmark measures memory,
    # not the send rate (benchmark 3 does): the limiter should not pace the replies.
    "telegram_overall_per_second": "1000000",
    "telegram_per_chat_per_second": "1000000",
    "telegram_per_chat_burst": "1000000",
}
OURS = ("bot", "adapters", "dialogs")
LIBRARIES = (
    "sqlalchemy",
    "aiohttp",
    "telegram",
    "slack_sdk",
    "slack_bolt",
    "alembic",
    "mako",
    "pygments",
    "apscheduler",
    "cryptography",
    "httpx",
    "httpcore",
    "aiosqlite",
    "psycopg",
)
PROFILED = (
    ("bot/app/composition.py", "bootstrap"),
    ("bot/storage/migrate.py", "upgrade"),
    ("bot/app/composition.py", "check_keys"),
    ("adapters/telegram/channel.py", "__init__"),
    ("adapters/telegram/channel.py", "start"),
    ("adapters/slack/channel.py", "__init__"),
    ("adapters/http.py", "start"),
)
"""Start-up functions of ours whose cumulative profile time is reported: CPU while they run,
slowed by the profiler; a round trip to the fake APIs they await is not in it."""


# --- the Bot API, watched ---------------------------------------------------------------------


class WatchedTelegram(FakeTelegram):
    """The fake Bot API, telling the driver when a chat receives a message with buttons."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.keyboards: dict[int, tuple[int, dict[str, str]]] = {}
        self.keyboard_counts: Counter[int] = Counter()
        self.long_polls = 0
        self._waiting: dict[int, asyncio.Event] = {}

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        if float(params.get("timeout", 0) or 0) > 0:
            self.long_polls += 1
        return await super()._api_getUpdates(params)

    async def _api_sendMessage(  # noqa: N802
        self, params: dict[str, Any]
    ) -> dict[str, Any] | web.Response:
        result = await super()._api_sendMessage(params)
        markup = params.get("reply_markup")
        if isinstance(result, dict) and isinstance(markup, dict):
            chat = int(result["chat"]["id"])
            buttons = {
                parse_callback(button["callback_data"])[1]: button["callback_data"]
                for row in markup.get("inline_keyboard", [])
                for button in row
                if "callback_data" in button
            }
            self.keyboards[chat] = (int(result["message_id"]), buttons)
            self.keyboard_counts[chat] += 1
            waiting = self._waiting.pop(chat, None)
            if waiting is not None:
                waiting.set()
        # Keep no record of every call: tens of thousands would pile up in this process.
        self.calls.clear()
        self.sent.clear()
        return result

    async def next_keyboard(self, chat: int, after: int, within: float) -> None:
        """Wait until ``chat`` has received more than ``after`` messages with buttons."""
        deadline = time.perf_counter() + within
        while self.keyboard_counts[chat] <= after:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no answer with buttons for chat {chat}")
            event = self._waiting.setdefault(chat, asyncio.Event())
            await asyncio.wait_for(event.wait(), remaining)

    async def polled(self, within: float) -> None:
        """Wait until some bot long-polls (its update loop is running)."""
        deadline = time.perf_counter() + within
        while self.long_polls == 0:
            if time.perf_counter() > deadline:
                raise TimeoutError("no bot started polling")
            await asyncio.sleep(0.005)


@dataclass
class Platforms:
    """The fake Telegram and Slack APIs the bots talk to."""

    telegram: WatchedTelegram
    slack: FakeSlack

    def environment(self, database: str, port: int, **overrides: str) -> dict[str, str]:
        """concernbot's environment: both channels configured, send limits lifted."""
        return bot_environment(
            database,
            port,
            f"http://127.0.0.1:{self.telegram.port}",
            self.slack.base_url,
            **(UNLIMITED | overrides),
        )


# --- databases --------------------------------------------------------------------------------


def fresh_database(directory: Path, name: str) -> str:
    """A new, empty database: a SQLite file, or a PostgreSQL database of its own."""
    return database_url(directory / f"{name}.db")


def drop_databases() -> None:
    """Drop the PostgreSQL databases this run created (nothing to do with SQLite)."""
    server = os.environ.get(POSTGRES_ENV)
    if not server or not CREATED_DATABASES:
        return
    import psycopg
    from sqlalchemy.engine import make_url

    plain = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        for name in sorted(CREATED_DATABASES):
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    CREATED_DATABASES.clear()


async def as_if_running_for_a_while(database: str) -> None:
    """Record the latest slot of each scheduled job as done, as on a bot that has been running:
    its start-up catch-up then sends no weekly digest to every member just seeded while the
    dialogs are measured (what a digest costs is benchmark 4's, digest_scale)."""
    settings = load_settings(EXAMPLE_CONFIG, {"CONCERNBOT_DATABASE_URL": database})
    app = await bootstrap(settings, cipher=fixed_cipher(), environ={})
    try:
        now = app.clock.now()
        async with app.uow() as uow:
            for job in build_jobs(settings, {}).values():
                if isinstance(job.trigger, CronTrigger):
                    slot = previous_slot(job.trigger, now, timedelta(days=32))
                    if slot is not None:
                        await uow.ledger.first_time(job.name, job.period(slot), now)
            await uow.commit()
    finally:
        await app.close()


async def stored_dialogs(database: str) -> dict[str, int]:
    """How many dialog states the database holds, by dialog."""
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(dialog_states.c.dialog, func.count()).group_by(dialog_states.c.dialog)
            )
            return {str(row[0]): int(row[1]) for row in rows}
    finally:
        await engine.dispose()


def tail(log: Path, characters: int = 2000) -> str:
    """The end of a log file, for an error message."""
    return log.read_text(errors="replace")[-characters:]


def proc_status(pid: int, key: str) -> int:
    """A number from /proc/<pid>/status, e.g. Threads, or VmHWM (peak RSS) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {key} for process {pid}")


# --- 1. memory with dialogs in progress ----------------------------------------------------------


async def bounded(count: int, concurrency: int, work: Callable[[int], Awaitable[None]]) -> None:
    """Run ``work(i)`` for i in 0..count-1, at most ``concurrency`` at a time."""
    numbers = iter(range(count))

    async def worker() -> None:
        for number in numbers:
            await work(number)

    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))


async def walk(telegram: WatchedTelegram, user: int, steps: Sequence[str]) -> list[float]:
    """One reporter starts the share dialog and goes ``steps`` into it (the script's lines:
    '#id' presses that button on the newest keyboard, anything else is typed); the seconds
    each step took to be answered."""
    waited = []
    for line in steps:
        seen = telegram.keyboard_counts[user]
        if line.startswith("#"):
            message_id, buttons = telegram.keyboards[user]
            update = telegram.callback(user, buttons[line[1:]], message_id)
        else:
            update = telegram.message(user, line)
        began = time.perf_counter()
        await telegram.push(update)
        await telegram.next_keyboard(user, seen, ANSWER_WITHIN)
        waited.append(time.perf_counter() - began)
    return waited


@dataclass
class Drive:
    """Reporters to walk into the dialog, and how."""

    users: Sequence[int]
    steps: Sequence[str]
    concurrency: int
    samples: int
    settle: float
    quiet: float


async def drive(telegram: WatchedTelegram, pid: int, plan: Drive) -> dict[str, Any]:
    """Walk every reporter into the dialog, sampling the process's RSS on the way; a bot that
    leaves a reporter unanswered for ANSWER_WITHIN seconds ends the drive (``stalled``)."""
    await asyncio.sleep(plan.settle)  # what start-up set going (scheduler catch-up) ends
    at_ready = rss_mb(pid)
    anonymous_at_ready = proc_status(pid, "RssAnon") / 1024
    curve = [(0, at_ready)]
    latencies: list[float] = []
    done = 0
    stalled = False
    every = max(len(plan.users) // plan.samples, 1)
    began = time.perf_counter()

    async def one(number: int) -> None:
        nonlocal done, stalled
        if stalled:
            return
        try:
            latencies.extend(await walk(telegram, plan.users[number], plan.steps))
        except TimeoutError:
            stalled = True
            return
        done += 1
        if done % every == 0:
            curve.append((done, rss_mb(pid)))

    await bounded(len(plan.users), plan.concurrency, one)
    drove = time.perf_counter() - began
    with_dialogs = rss_mb(pid)
    await asyncio.sleep(plan.quiet)  # a quiet moment: nothing in flight, garbage collected
    quiet = rss_mb(pid)
    tail = [(n, mb) for n, mb in curve if n >= len(plan.users) // 10]
    return {
        "dialogs_in_progress": done,
        "stalled": stalled,
        "turns_per_s": len(latencies) / drove,
        **latency_figures("answer", latencies),
        "answer_max_ms": max(latencies, default=float("nan")) * 1000,
        "rss_at_ready_mb": at_ready,
        "rss_with_dialogs_mb": with_dialogs,
        "rss_after_quiet_mb": quiet,
        "rss_peak_mb": proc_status(pid, "VmHWM") / 1024,
        "rss_anonymous_at_ready_mb": anonymous_at_ready,
        "rss_anonymous_after_quiet_mb": proc_status(pid, "RssAnon") / 1024,
        "bytes_per_dialog": (quiet - at_ready) * 2**20 / max(done, 1),
        "bytes_per_dialog_slope": slope(tail) * 2**20,
        "threads": proc_status(pid, "Threads"),
        "curve": curve,
    }


async def measure_concernbot(
    platforms: Platforms, database: str, directory: Path, plan: Drive
) -> dict[str, Any]:
    """concernbot's RSS at ready and with every reporter's dialog in progress."""
    began = time.perf_counter()
    await seed_members(database, plan.users)
    await as_if_running_for_a_while(database)
    seeded = time.perf_counter() - began
    port = free_port()
    log = directory / "memory.log"
    bot = BotProcess(platforms.environment(database, port), port, log=log)
    try:
        await bot.start()
        assert bot.process is not None
        figures = await drive(platforms.telegram, bot.process.pid, plan)
    finally:
        code = await bot.stop()
    if code != 0:
        raise RuntimeError(f"concernbot exited with {code}: {tail(log)}")
    if figures["stalled"]:
        raise RuntimeError(f"concernbot left a reporter unanswered: {tail(log)}")
    stored = await stored_dialogs(database)
    in_progress = stored.get(SHARE.dialog.name, 0)
    if in_progress != len(plan.users):
        raise AssertionError(f"{in_progress} share dialogs stored, not {len(plan.users)}")
    return {"seed_s": seeded, **figures, "dialog_states_stored": in_progress}


async def measure_peer(platforms: Platforms, directory: Path, plan: Drive) -> dict[str, Any]:
    """The same with ``bench.peer_bot``: its conversations live in the process, and
    PicklePersistence writes them to a file (every minute, and on shutdown)."""
    telegram = platforms.telegram
    state = directory / "peer.pickle"
    command = [sys.executable, "-m", "bench.peer_bot", "--api", f"http://127.0.0.1:{telegram.port}"]
    command += ["--token", TELEGRAM_TOKEN, "--state", str(state)]
    log = (directory / "peer.log").open("wb")
    telegram.long_polls = 0
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        await telegram.polled(60.0)
        ready = time.perf_counter() - began
        figures = await drive(telegram, process.pid, plan)
    finally:
        process.terminate()
        stopping = time.perf_counter()
        # On the way out it writes its whole pickle once per conversation and user changed
        # since the last write (as it does every minute while running): watch it do so.
        writing = 0.0
        while process.returncode is None and time.perf_counter() - stopping < PEER_STOP_WITHIN:
            with contextlib.suppress(OSError, RuntimeError):
                writing = max(writing, rss_mb(process.pid))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 0.25)
        if process.returncode is None:
            process.kill()
        await process.wait()
        stopped = time.perf_counter() - stopping
        log.close()
    return {
        "start_s": ready,
        **figures,
        "stop_s": stopped,
        "rss_peak_while_stopping_mb": writing,
        "killed": process.returncode == -9,
        "pickle_bytes": state.stat().st_size if state.exists() else 0,
    }


def slope(points: Sequence[tuple[int, float]]) -> float:
    """Least-squares slope of y over x (0 with fewer than two distinct x)."""
    xs = [float(x) for x, _ in points]
    ys = [y for _, y in points]
    if len(set(xs)) < 2:
        return 0.0
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def plot(curves: Mapping[str, Sequence[tuple[int, float]]], path: Path, title: str) -> None:
    """RSS against dialogs in progress, one line per bot, with the target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    for label, curve in curves.items():
        axes.plot([n for n, _ in curve], [mb for _, mb in curve], marker="o", label=label)
    axes.axhline(RSS_TARGET_MB, color="tab:red", linestyle="--", label="target")
    axes.set_xlabel("share dialogs in progress")
    axes.set_ylabel("resident memory (MiB)")
    axes.set_ylim(0, RSS_TARGET_MB * 1.15)
    axes.set_title(title)
    axes.legend(loc="lower right")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)


# --- 2. start to ready --------------------------------------------------------------------------

_READY_LOG = re.compile(r"ready in ([\d.]+) s: (.*)$", re.MULTILINE)
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


def start_phases(log: Path) -> dict[str, float]:
    """The phases of Service.start the bot logged (with -v): storage, setup, telegram, …."""
    found = _READY_LOG.search(log.read_text(errors="replace"))
    if found is None:
        raise RuntimeError(f"no start-up timing in {log}")
    phases = {"service_start": float(found.group(1))}
    for part in found.group(2).split(", "):
        name, seconds, _ = part.split(" ")
        phases[name] = float(seconds)
    return phases


async def timed_start(
    platforms: Platforms, database: str, log: Path
) -> tuple[float, dict[str, float], float]:
    """Start the bot once: seconds to ready, its logged start phases, its RSS when ready."""
    port = free_port()
    bot = BotProcess(platforms.environment(database, port), port, ("-v", "run"), log=log)
    try:
        ready = await bot.start()
        memory = bot.rss_mb()
    finally:
        code = await bot.stop()
    if code != 0:
        raise RuntimeError(f"the bot exited with {code}: {tail(log)}")
    return ready, start_phases(log), memory


def import_breakdown(log: Path) -> dict[str, float]:
    """Milliseconds of import per top-level package (own times summed), from -X importtime."""
    own: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        found = _IMPORT_LINE.match(line)
        if found:
            own[found.group(2).split(".")[0]] += int(found.group(1))
    total = sum(own.values())
    figures = {"imports_total_ms": total / 1000}
    figures["imports_ours_ms"] = sum(own.pop(name, 0) for name in OURS) / 1000
    for name in sorted(LIBRARIES, key=lambda name: -own[name]):
        figures[f"imports_{name}_ms"] = own.pop(name, 0) / 1000
    figures["imports_rest_ms"] = sum(own.values()) / 1000
    return figures


async def import_profile(platforms: Platforms, database: str, log: Path) -> dict[str, float]:
    """One start with ``-X importtime``: where the import time goes (inflated by the tracing)."""
    port = free_port()
    env = platforms.environment(database, port) | {"PYTHONPROFILEIMPORTTIME": "1"}
    bot = BotProcess(env, port, log=log)
    try:
        await bot.start()
    finally:
        await bot.stop()
    return import_breakdown(log)


def profile_figures(path: Path, top: int = 12) -> tuple[dict[str, float], list[str]]:
    """Cumulative seconds of the PROFILED functions, and the ``top`` functions of ours and of
    libraries by cumulative time."""
    stats: dict[tuple[str, int, str], tuple[Any, ...]]
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    figures: dict[str, float] = {}
    for suffix, function in PROFILED:
        figures[f"profile_{suffix.removesuffix('.py').replace('/', '.')}.{function}_s"] = sum(
            row[3]
            for (file, _, name), row in stats.items()
            if name == function and file.endswith(suffix)
        )
    shown: list[str] = []
    for (file, line, name), row in sorted(stats.items(), key=lambda item: -item[1][3]):
        if not file.startswith((str(ROOT), sys.prefix)) or "/asyncio/" in file:
            continue
        short = file.split("site-packages/")[-1].removeprefix(f"{ROOT}/")
        shown.append(f"{row[3]:6.3f} s  {short}:{line}({name})")
        if len(shown) == top:
            break
    return figures, shown


async def cprofile_start(
    platforms: Platforms, database: str, path: Path
) -> tuple[dict[str, float], list[str]]:
    """One start under cProfile, stopped at ready (scheduler off: nothing runs after ready)."""
    port = free_port()
    env = platforms.environment(database, port, scheduler_enabled="false")
    path.parent.mkdir(parents=True, exist_ok=True)
    bot = BotProcess(env, port, python_options=("-m", "cProfile", "-o", str(path)))
    try:
        ready = await bot.start()
    finally:
        await bot.stop()
    figures, top = profile_figures(path)
    return {"profiled_start_s": ready, **figures}, top


def medians(prefix: str, rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """The median of each figure over ``rows``."""
    keys = dict.fromkeys(key for row in rows for key in row)
    return {f"{prefix}_{key}_median_s": statistics.median(row[key] for row in rows) for key in keys}


async def measure_start(
    platforms: Platforms, directory: Path, runs: int, existing: str, profile: bool
) -> tuple[dict[str, Any], list[str]]:
    """Start → ready, ``runs`` times on fresh databases and on ``existing`` (at the head, with
    data), with the phases the bot logs; with ``profile``, where imports and CPU go too."""
    times: dict[str, list[float]] = {"fresh": [], "existing": []}
    phases: dict[str, list[dict[str, float]]] = {"fresh": [], "existing": []}
    memory: list[float] = []
    for kind in ("fresh", "existing"):
        for run in range(runs):
            database = fresh_database(directory, f"start{run}") if kind == "fresh" else existing
            ready, logged, rss = await timed_start(
                platforms, database, directory / f"{kind}{run}.log"
            )
            times[kind].append(ready)
            phases[kind].append(logged)
            memory.append(rss)
    everything = times["fresh"] + times["existing"]
    figures: dict[str, Any] = {"start_runs": runs}
    for kind in ("fresh", "existing"):
        figures[f"start_{kind}_db_median_s"] = statistics.median(times[kind])
        figures[f"start_{kind}_db_max_s"] = max(times[kind])
    figures["start_target_s"] = START_TARGET_SECONDS
    figures["start_target_met"] = max(everything) < START_TARGET_SECONDS
    figures["rss_at_ready_median_mb"] = statistics.median(memory)
    for kind in ("fresh", "existing"):
        figures |= medians(f"phase_{kind}", phases[kind])
    figures["phase_interpreter_and_imports_median_s"] = statistics.median(
        ready - logged["service_start"]
        for ready, logged in zip(everything, phases["fresh"] + phases["existing"], strict=True)
    )
    top: list[str] = []
    if profile:
        figures |= await import_profile(platforms, existing, directory / "importtime.log")
        path = RESULTS / "footprint-start.prof"
        profiled, top = await cprofile_start(platforms, existing, path)
        figures |= profiled
        figures["profile_file"] = str(path.relative_to(ROOT))
    return figures, top


# --- the run ------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement against one pair of fake platforms, in a scratch directory."""
    telegram = WatchedTelegram(TELEGRAM_TOKEN)
    slack = FakeSlack(SLACK_TOKEN)
    await telegram.start()
    await slack.start()
    platforms = Platforms(telegram, slack)
    kind = "postgresql" if os.environ.get(POSTGRES_ENV) else "sqlite"
    steps = SHARE_SCRIPT[: args.steps]
    results: dict[str, Any] = {"database": kind, "steps": list(steps)}
    curves: dict[str, list[tuple[int, float]]] = {}

    def plan(first: int, count: int) -> Drive:
        users = range(first, first + count)
        return Drive(users, steps, args.concurrency, args.samples, args.settle, args.quiet)

    try:
        with tempfile.TemporaryDirectory(prefix="footprint-", dir=args.directory) as name:
            directory = Path(name)
            database = fresh_database(directory, "dialogs")
            memory = await measure_concernbot(
                platforms, database, directory, plan(FIRST_USER, args.dialogs)
            )
            curves["concernbot"] = memory.pop("curve")
            show(
                f"concernbot: memory with {args.dialogs:,} share dialogs in progress "
                f"({len(steps)} step(s) each, {kind}, {args.concurrency} reporters at a time)",
                memory,
            )
            results |= memory
            if args.peer:
                peer = await measure_peer(
                    platforms, directory, plan(PEER_FIRST_USER, args.peer_dialogs)
                )
                curves["peer (ConversationHandler + PicklePersistence)"] = peer.pop("curve")
                show(
                    f"peer: {args.peer_dialogs:,} of the same dialogs in python-telegram-bot's "
                    "ConversationHandler with PicklePersistence",
                    peer,
                )
                results |= {f"peer_{key}": value for key, value in peer.items()}
            start, top = await measure_start(
                platforms, directory, args.starts, database, profile=not args.quick
            )
            show("concernbot: start → ready (spawn of `concernbot run` to /healthz ready)", start)
            if top:
                print("  cProfile of one start, most cumulative time:")
                for line in top:
                    print(f"    {line}")
            results |= start | {"profile_top": top, "rss_curves": curves}
    finally:
        await telegram.stop()
        await slack.stop()
        drop_databases()
    if not args.quick:
        path = FIGURES / "footprint.png"
        plot(curves, path, f"Resident memory with share dialogs in progress ({kind})")
        results["figure"] = str(path.relative_to(ROOT))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, measure, print and save the figures."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.footprint",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="1,000 dialogs of 1 step, 2 starts each, no profiles"
    )
    parser.add_argument("--dialogs", type=int, help="dialogs in progress (10,000)")
    parser.add_argument("--steps", type=int, help="turns into the share dialog (4)")
    parser.add_argument("--starts", type=int, help="starts per kind of database (5)")
    parser.add_argument("--concurrency", type=int, default=200, help="reporters at a time")
    parser.add_argument("--samples", type=int, default=10, help="RSS samples while driving")
    parser.add_argument(
        "--peer",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also measure the ConversationHandler peer (default: not with --quick)",
    )
    parser.add_argument("--peer-dialogs", type=int, help="the peer's dialogs (3,000)")
    parser.add_argument(
        "--directory",
        default="/dev/shm" if Path("/dev/shm").is_dir() else None,
        help="where the SQLite files go (default /dev/shm: in memory, so that the disk's "
        "fsync does not set the pace; that page cache is not the bot's RSS)",
    )
    args = parser.parse_args(argv)
    args.dialogs = args.dialogs or (1_000 if args.quick else 10_000)
    args.steps = args.steps or (1 if args.quick else 4)
    args.starts = args.starts or (2 if args.quick else 5)
    args.peer = (not args.quick) if args.peer is None else args.peer
    args.peer_dialogs = args.peer_dialogs or min(args.dialogs, PEER_DIALOGS)
    args.settle = 0.5 if args.quick else 2.0
    args.quiet = 2.0 if args.quick else 5.0
    # A bot stopped while long-polling leaves the fake a broken request; aiohttp would print
    # its traceback, which says nothing about the benchmark.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    began = time.perf_counter()
    results = asyncio.run(run(args))
    results["quick"] = args.quick
    results["seconds"] = time.perf_counter() - began
    path = save("footprint", results)
    print(f"\nfootprint: {results['seconds']:.1f} s; figures in {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
