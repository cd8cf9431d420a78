"""Benchmarks 1 and 2: dialog turns through Telegram, and alert latency into Slack.

Many reporters complete the share dialog at once through the fake Bot API. The bots answer
them in turn, each in a process of its own: concernbot (real Telegram adapter, SQLite, every
turn committed); the floors, echo bots making the Bot API calls concernbot makes per turn on
its transport and lanes (python-telegram-bot, ``bench.echo_bot``; aiogram 3,
``bench.aiogram_bot``); the same dialog written the common way, with ConversationHandler and
PicklePersistence (the peer, ``bench.peer_bot``), on concernbot's transport, and durable
(every turn synced to disk before its reply); and, as extra rows, the echo bot and the peer
with the library's defaults. While concernbot serves, the fake Slack notes when each
concern's alert arrives. ``--rate`` and ``--open-loop`` offer turns at a fixed rate instead
(``bench.open_loop``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.telegram.translate import parse_callback
from bench import open_loop
from bench.common import (
    FIGURES,
    RESULTS,
    ROOT,
    TELEGRAM_TOKEN,
    BotProcess,
    bot_environment,
    cpu_seconds,
    free_port,
    harness_without_collections,
    latency_figures,
    percentile,
    rss_mb,
    save,
    seed_members,
    show,
)
from bench.platforms import TimedSlack, TimedTelegram
from bot.testing import SHARE_SCRIPT
from tests.fakes.telegram_api import RateLimit

REFERENCE = re.compile(r"\b[A-Z0-9]{3}-[A-Z0-9]{3}\b")
"""A concern's reference, as the confirmation and the alert show it."""
QUIET = 0.4
"""Calibration: a turn's reply is complete when nothing more arrives for this long."""
REPLY_WITHIN = 120.0
ALERTS_WITHIN = 60.0
FIRST_USER = 5_000_000
LIMITS_OFF = "100000"
"""The fakes do not limit here, so neither does the bot (benchmark 3 measures the limits)."""


@dataclass
class Outcome:
    """What one reporter saw: per-turn latencies, and when the confirmation was served."""

    latencies: list[float] = field(default_factory=list)
    confirm_served: float = 0.0
    reference: str = ""
    finished: float = 0.0


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Callback data by choice id for the inline keyboard of a sent message."""
    found: dict[str, str] = {}
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            found[parse_callback(button["callback_data"])[1]] = button["callback_data"]
    return found


def update_for(fake: TimedTelegram, user: int, line: str, keyboard: dict[str, str], at: int) -> Any:
    """The update a reporter sends for a script line ('#choice' presses a button)."""
    if line.startswith("#"):
        choice = line[1:]
        return fake.callback(user, keyboard.get(choice, choice), at)
    return fake.message(user, line)


async def calibrate(
    fake: TimedTelegram, user: int, script: Sequence[str], quiet: float = QUIET
) -> list[int]:
    """Play the script once, alone, and count the messages each turn is answered with (a
    turn's answer is complete once nothing more arrives for ``quiet`` seconds)."""
    inbox = fake.inboxes[user]
    keyboard: dict[str, str] = {}
    at = 1
    counts: list[int] = []
    for line in script:
        await fake.push(update_for(fake, user, line, keyboard, at))
        replies = [await asyncio.wait_for(inbox.get(), REPLY_WITHIN)]
        while True:
            try:
                replies.append(await asyncio.wait_for(inbox.get(), quiet))
            except TimeoutError:
                break
        counts.append(len(replies))
        for _, message in replies:
            if message.get("reply_markup"):
                keyboard, at = buttons(message), int(message["message_id"])
    return counts


async def play(
    fake: TimedTelegram, user: int, script: Sequence[str], counts: Sequence[int]
) -> Outcome:
    """One reporter: each turn sent as soon as the previous one is fully answered."""
    inbox = fake.inboxes[user]
    outcome = Outcome()
    keyboard: dict[str, str] = {}
    at = 1
    for index, line in enumerate(script):
        update = update_for(fake, user, line, keyboard, at)
        await fake.push(update)
        replies = [await asyncio.wait_for(inbox.get(), REPLY_WITHIN) for _ in range(counts[index])]
        served = fake.served[int(update["update_id"])]
        outcome.latencies.append(replies[-1][0] - fake.offered[int(update["update_id"])])
        if line == "#confirm":
            outcome.confirm_served = served
            for _, message in replies:
                found = re.search(r"Reference: (\S+)", message.get("text", ""))
                if found:
                    outcome.reference = found.group(1)
        for _, message in replies:
            if message.get("reply_markup"):
                keyboard, at = buttons(message), int(message["message_id"])
    outcome.finished = time.perf_counter()
    return outcome


@dataclass
class Result:
    """One contender's run."""

    name: str
    reporters: int
    turns: int
    seconds: float
    latencies: list[float]
    outcomes: list[Outcome]
    ready_seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def turns_per_second(self) -> float:
        """Completed turns per second of the whole run."""
        return self.turns / self.seconds

    def figures(self) -> dict[str, float]:
        """The printable figures."""
        return {
            "reporters": float(self.reporters),
            "turns": float(self.turns),
            "seconds": self.seconds,
            "turns_per_s": self.turns_per_second,
            **latency_figures("turn", self.latencies),
            **self.extra,
        }


async def load(
    name: str,
    fake: TimedTelegram,
    reporters: int,
    script: Sequence[str],
    pid: int,
    quiet: float = QUIET,
) -> Result:
    """Calibrate with one extra user (see ``calibrate`` for ``quiet``), then let ``reporters``
    users play at once (or as ``open_loop.DRIVE`` says)."""
    counts = await calibrate(fake, FIRST_USER - 1, script, quiet)
    users = range(FIRST_USER, FIRST_USER + reporters)
    drive = open_loop.DRIVE.get()
    if drive is not None and drive.rates:
        return await open_loop_load(name, fake, users, script, counts, pid, drive.rates)
    result = await closed_loop(name, fake, users, script, counts, pid)
    places: open_loop.Places = {}  # every reporter at the top of the script again
    if drive is not None and drive.fractions:
        await open_loop.stagger(fake, users, script, counts, places)
    for fraction in drive.fractions if drive is not None else ():
        rate = fraction * result.turns_per_second
        cpu = cpu_seconds(pid)
        phase = await open_loop.run(fake, users, script, counts, rate, result.turns, places)
        cpu = cpu_seconds(pid) - cpu
        prefix = f"at{round(fraction * 100)}_"
        result.extra.update(phase.figures(prefix))
        # How busy the bot was: a turn offered alone costs more than one in a closed loop's
        # crowd (fewer updates per getUpdates, fewer commits per sync).
        result.extra[f"{prefix}cpu_ms_per_turn"] = cpu * 1000 / phase.turns
        result.extra[f"{prefix}cpu_busy"] = cpu / phase.seconds
    return result


async def closed_loop(
    name: str,
    fake: TimedTelegram,
    users: Sequence[int],
    script: Sequence[str],
    counts: Sequence[int],
    pid: int,
) -> Result:
    """Every reporter plays the script at once, each turn as soon as the last is answered."""
    reporters = len(users)
    with harness_without_collections():
        cpu = cpu_seconds(pid)
        began = time.perf_counter()
        outcomes = await asyncio.gather(*(play(fake, user, script, counts) for user in users))
        seconds = time.perf_counter() - began
        cpu = cpu_seconds(pid) - cpu
    latencies = [x for o in outcomes for x in o.latencies]
    result = Result(name, reporters, len(latencies), seconds, latencies, list(outcomes))
    result.extra["cpu_ms_per_turn"] = cpu * 1000 / len(latencies)
    result.extra["cpu_busy"] = cpu / seconds
    return result


async def open_loop_load(
    name: str,
    fake: TimedTelegram,
    users: Sequence[int],
    script: Sequence[str],
    counts: Sequence[int],
    pid: int,
    rates: Sequence[float],
) -> Result:
    """``--rate``: turns offered at each fixed rate (as many as the closed loop would play);
    the result is the last rate's, the others' figures beside it."""
    figures: dict[str, float] = {}
    places: open_loop.Places = {}
    await open_loop.stagger(fake, users, script, counts, places)
    for rate in rates:
        cpu = cpu_seconds(pid)
        turns = len(users) * len(script)
        phase = await open_loop.run(fake, users, script, counts, rate, turns, places)
        cpu = cpu_seconds(pid) - cpu
        figures |= phase.figures(f"at{rate:g}_")
        figures["cpu_ms_per_turn"] = cpu * 1000 / phase.turns
        figures["cpu_busy"] = cpu / phase.seconds
    result = Result(name, len(users), phase.turns, phase.seconds, phase.from_offered, [])
    result.extra |= figures
    return result


UNLIMITED: Mapping[str, str] = {
    "telegram_overall_per_second": LIMITS_OFF,
    "telegram_per_chat_per_second": LIMITS_OFF,
    "telegram_per_chat_burst": LIMITS_OFF,
    "slack_overall_per_second": LIMITS_OFF,
    "slack_per_channel_per_second": LIMITS_OFF,
    "slack_per_channel_burst": LIMITS_OFF,
    # A reporter of the open loop plays the script again and again: the per-sender throttle
    # still counts every message, but refuses none.
    "limits_messages_burst": LIMITS_OFF,
}
"""The bot's send limits lifted: the fakes do not limit (``bench.turns_limits`` keeps them)."""
SENDS = ("sendMessage", "editMessageText", "sendDocument")
"""The Bot API methods that count against Telegram's limits on messages."""


async def run_concernbot(
    work: Path,
    reporters: int,
    script: Sequence[str],
    extra: Mapping[str, str] | None = None,
    limits: Mapping[str, str] = UNLIMITED,
    fake_per_second: int | None = None,
    quiet: float = QUIET,
) -> Result:
    """concernbot as ``concernbot run`` serves it: polling, SQLite, outbox, Slack alerts
    (``extra``: more environment for its process, e.g. a slow disk or a setting; ``limits``:
    send limits, none by default; ``fake_per_second``: the fake Bot API answers 429 past it;
    ``quiet``: see ``calibrate``, longer when a chat's messages are spaced by its limit)."""
    fake, slack = TimedTelegram(), TimedSlack()
    if fake_per_second is not None:
        fake.rate_limit = RateLimit(per_second=fake_per_second)
    await fake.start()
    await slack.start()
    database = f"sqlite:///{work / 'concernbot.db'}"
    await seed_members(database, range(FIRST_USER - 1, FIRST_USER + reporters))
    port = free_port()
    env = bot_environment(
        database,
        port,
        telegram_url=fake.api_url,
        slack_url=slack.base_url,
        # No digest catch-up or reminders in the middle of a dialog: scheduled messages would
        # be taken for replies. Benchmark 3 measures the scheduler's fan-out.
        scheduler_enabled="false",
        **limits,
    )
    env.update(extra or {})
    profile = os.environ.get("BENCH_PROFILE", "")
    options = ("-m", "cProfile", "-o", profile) if profile else ()
    bot = BotProcess(env, port, log=work / "concernbot.log", python_options=options)
    try:
        ready = await bot.start()
        await fake.polling()
        assert bot.process is not None
        calls = len(fake.calls)
        result = await load("concernbot", fake, reporters, script, bot.process.pid, quiet)
        # The reporters' messages, not the calibrating user's (played inside ``load``).
        sends = sum(
            call.method in SENDS and call.params.get("chat_id") != FIRST_USER - 1
            for call in fake.calls[calls:]
        )
        result.extra["sends_per_turn"] = sends / result.turns
        result.extra["sends_per_s"] = sends / result.seconds
        result.extra["answered_429"] = float(fake.rate_limit.rejected if fake.rate_limit else 0)
        result.ready_seconds = ready
        await alerts_arrived(result.outcomes, slack)
        stored = stored_at(work / "concernbot.db")
        result.extra.update(alert_figures(result.outcomes, slack, stored))
        result.extra["rss_mb"] = bot.rss_mb()
    finally:
        await bot.stop()
        await fake.stop()
        await slack.stop()
    return result


async def alerts_arrived(outcomes: Sequence[Outcome], slack: TimedSlack) -> None:
    """Wait (a while) until Slack has an alert for every concern shared."""
    deadline = time.perf_counter() + ALERTS_WITHIN
    while time.perf_counter() < deadline:
        if len(alert_times(outcomes, slack)) == len(outcomes):
            return
        await asyncio.sleep(0.2)


def alert_times(outcomes: Sequence[Outcome], slack: TimedSlack) -> dict[str, tuple[float, float]]:
    """When each concern's first alert reached Slack: (perf_counter, wall clock), by reference."""
    wanted = {o.reference for o in outcomes}
    arrived: dict[str, tuple[float, float]] = {}
    for at, wall, params in slack.posts:
        for reference in wanted.intersection(REFERENCE.findall(json.dumps(params))):
            arrived.setdefault(reference, (at, wall))
    return arrived


def stored_at(database: Path) -> dict[str, float]:
    """When each concern was stored (its created_at, a UTC wall-clock time), by reference."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT reference, created_at FROM concerns").fetchall()
    return {
        reference: datetime.fromisoformat(str(created)).replace(tzinfo=UTC).timestamp()
        for reference, created in rows
    }


def alert_figures(
    outcomes: Sequence[Outcome], slack: TimedSlack, stored: dict[str, float]
) -> dict[str, float]:
    """Two alert latencies: from the concern being stored (the core's alert path: commit,
    outbox, Slack adapter), and from the confirming update being served (adds the time the
    update queued behind the other reporters' turns)."""
    arrived = alert_times(outcomes, slack)
    from_served = [
        arrived[o.reference][0] - o.confirm_served for o in outcomes if o.reference in arrived
    ]
    from_stored = [
        arrived[o.reference][1] - stored[o.reference]
        for o in outcomes
        if o.reference in arrived and o.reference in stored
    ]
    return {
        "alerts": float(len(arrived)),
        "alerts_missing": float(len(outcomes) - len(arrived)),
        **latency_figures("alert_from_stored", from_stored),
        **latency_figures("alert_from_served", from_served),
    }


async def run_library_bot(
    name: str,
    module: str,
    work: Path,
    reporters: int,
    script: Sequence[str],
    *options: str,
) -> Result:
    """A plain library program (``bench.<module> [options]``) against a fresh fake."""
    fake = TimedTelegram()
    await fake.start()
    command = [
        sys.executable,
        "-m",
        f"bench.{module}",
        "--api",
        fake.api_url,
        "--token",
        TELEGRAM_TOKEN,
        "--state",
        str(work / f"{module}.pickle"),
        *options,
    ]
    log = (work / f"{module}.log").open("wb")
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        await fake.polling()
        ready = time.perf_counter() - began
        result = await load(name, fake, reporters, script, process.pid)
        result.ready_seconds = ready
        result.extra["rss_mb"] = rss_mb(process.pid)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)
        log.close()
        await fake.stop()
    return result


def log_tail(work: Path, lines: int = 15) -> str:
    """The last lines of every log a contender left in ``work``."""
    tails = []
    for log in sorted(work.glob("*.log")):
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        tails.append(f"-- {log.name}\n" + "\n".join(text))
    return "\n".join(tails) or "(no log)"


def plot(results: Sequence[Result], path: Path) -> None:
    """Turn latency distribution of each contender, as a CDF on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.5))
    for result in results:
        ordered = sorted(x * 1000 for x in result.latencies)
        fractions = [(i + 1) / len(ordered) for i in range(len(ordered))]
        label = f"{result.name} ({result.turns_per_second:,.0f} turns/s)"
        axes.plot(ordered, fractions, label=label)
    axes.set_xscale("log")
    axes.set_xlabel("turn latency, update offered → reply received (ms, log scale)")
    axes.set_ylabel("fraction of turns")
    axes.set_title(f"{results[0].reporters:,} reporters completing the share dialog at once")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="lower right")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


LIKE = "--like-concernbot"
"""concernbot's transport, its lanes and its Bot API calls per turn (``bench.floors``)."""


def library(name: str, module: str, *options: str) -> Contender:
    """A contender that runs ``bench.<module> [options]``."""
    return lambda w, n, s: run_library_bot(name, module, w, n, s, *options)


Contender = Callable[[Path, int, Sequence[str]], Awaitable[Result]]
CONTENDERS: dict[str, Contender] = {
    "echo": library("echo (PTB floor, concernbot's transport and lanes)", "echo_bot", LIKE),
    "aiogram": library("echo (aiogram 3, 8 at once)", "aiogram_bot", LIKE),
    "peer": library("peer (ConversationHandler, concernbot's transport)", "peer_bot", LIKE),
    "durable-peer": library("durable peer (every turn synced)", "peer_bot", LIKE, "--durable"),
    "echo-default": library("echo (PTB defaults: httpx, one at a time)", "echo_bot"),
    "peer-default": library("peer (PTB defaults: httpx, one at a time)", "peer_bot"),
    "concernbot": run_concernbot,
}
TARGETS = {"echo": 0.6, "peer": 0.8, "durable-peer": 1.5}
"""concernbot's throughput ÷ each of these, at least (issue 19)."""
P99_AT_80_MS = 250.0
"""concernbot's turn p99, end to end, offered 80% of its capacity: below this (issue 19)."""


async def main_async(reporters: int, names: Sequence[str], plot_to: Path | None) -> int:
    """Run the chosen contenders one after another and print figures and ratios."""
    results: dict[str, Result] = {}
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="concernbot-bench-") as tmp:
        for name in names:
            work = Path(tmp) / name
            work.mkdir()
            try:
                results[name] = result = await CONTENDERS[name](work, reporters, SHARE_SCRIPT)
            except (TimeoutError, OSError, RuntimeError) as error:
                # One contender that stalls must not take the others' figures with it; the
                # run still fails, and says which one and how (its log's tail below).
                failed[name] = type(error).__name__
                print(f"\n== {name}: FAILED ({failed[name]})\n{log_tail(work)}", flush=True)
                continue
            title = f"{result.name}: {reporters} reporters × {len(SHARE_SCRIPT)} turns"
            show(title, result.figures())
    ratios: dict[str, float] = {}
    ours = results.get("concernbot")
    if ours is not None:
        for other, them in results.items():
            if other != "concernbot":
                ratios[f"throughput_vs_{other}"] = ours.turns_per_second / them.turns_per_second
                ratios[f"p99_vs_{other}"] = percentile(ours.latencies, 99) / percentile(
                    them.latencies, 99
                )
        p99 = ours.extra.get("at80_turn_p99_ms")
        if p99 is not None:
            ratios["at80_p99_vs_target"] = p99 / P99_AT_80_MS
        wanted = ", ".join(f"≥ {v:g} × {k}" for k, v in TARGETS.items())
        wanted += f"; open loop at 80%: turn p99 < {P99_AT_80_MS:g} ms, a ratio ≤ 1"
        show(f"concernbot against the floors and the peers (targets: {wanted})", ratios)
    save(
        "turns",
        {
            "reporters": reporters,
            "turns_per_reporter": len(SHARE_SCRIPT),
            "results": {k: r.figures() | {"ready_s": r.ready_seconds} for k, r in results.items()},
            "ratios": ratios,
            "failed": failed,
        },
    )
    if plot_to is not None and len(results) > 1:
        plot(list(results.values()), plot_to)
        print(f"\nplot: {plot_to}")
    if failed:
        print(f"\nFAILED: {', '.join(f'{k} ({v})' for k, v in failed.items())}", flush=True)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.turns [--quick] [--reporters N] [--only NAME…] [--rate N… |
    --open-loop] [--database postgresql]``"""
    parser = argparse.ArgumentParser(prog="python -m bench.turns", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 reporters instead of 1,000")
    parser.add_argument("--reporters", type=int, default=None)
    parser.add_argument("--only", nargs="+", choices=list(CONTENDERS), default=list(CONTENDERS))
    parser.add_argument(
        "--rate", type=float, nargs="+", help="open loop: turns offered at N per second"
    )
    parser.add_argument(
        "--open-loop", action="store_true", help="capacity, then open loops at 50%% and 80%%"
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="postgresql: concernbot on PostgreSQL beside SQLite (see bench.turns_postgres)",
    )
    parser.add_argument("--postgres-url", default=None, help="the server (with --database)")
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args(argv)
    if args.rate or args.open_loop:
        rates = tuple(args.rate or ())
        open_loop.DRIVE.set(open_loop.OpenLoop(rates, () if rates else (0.5, 0.8)))
    reporters = args.reporters or (100 if args.quick else 1000)
    if args.database == "postgresql":
        from bench import turns_postgres

        server = args.postgres_url or os.environ.get(turns_postgres.SERVER_ENV)
        if not server:
            parser.error(
                f"--database postgresql needs --postgres-url or ${turns_postgres.SERVER_ENV}"
            )
        return asyncio.run(turns_postgres.main_async(reporters, server, args.instances))
    # The documented figure only from the documented run; other runs plot beside their figures.
    full = not args.quick and args.reporters is None and args.only == list(CONTENDERS)
    full = full and not (args.rate or args.open_loop)
    plot_to = FIGURES / "turns.png" if full else RESULTS / "turns.png"
    return asyncio.run(main_async(reporters, args.only, plot_to))


if __name__ == "__main__":
    raise SystemExit(main())
