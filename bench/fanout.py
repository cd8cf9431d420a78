"""Benchmark 3 of issue 8, fan-out: a trend digest to many subscribers through a fake Telegram
that allows 30 messages a second and answers 429 beyond it.

The bot runs as ``concernbot run`` in a process of its own (scheduler off), polling a fake Bot
API served by this process. The digest is queued the way an operator would run it by hand,
``concernbot jobs run digest`` in a third process: it composes every subscriber's digest and
commits them to the outbox in one transaction; the running bot's outbox worker finds them at
its next poll (``[outbox] poll_seconds``) and sends them. The scheduled run goes through the
same ``Scheduler.run``, so only the process it runs in differs.

Figures: the send rate (accepted ``sendMessage`` per second) between the first and the last
digest and over the whole run from the trigger, as a fraction of the limit (target ≥ 0.95);
429 answers (target 0); subscribers without exactly one digest (lost and duplicates, target
0); the time to compose the digests. ``--profile`` runs the bot under cProfile instead and
prints where its time goes (the overhead makes its rate figures meaningless).

    python -m bench.fanout [--quick] [--subscribers N] [--profile] [--instances N]
                           [--local-budget]

With $CONCERNBOT_TEST_POSTGRES_URL set, the database is a fresh PostgreSQL database there.
``--instances 3`` runs three bots (webhook mode) on that one PostgreSQL database, sharing its
send budget; ``--local-budget`` gives each its own budget instead, as before issue 13, to show
the 429 answers the shared one prevents.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import pstats
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from sqlalchemy import make_url

from bench.common import (
    EXAMPLE_CONFIG,
    FIGURES,
    RESULTS,
    ROOT,
    TELEGRAM_TOKEN,
    BotProcess,
    bot_environment,
    free_port,
    save,
    seed_members,
    show,
)
from bot.app.composition import bootstrap
from bot.app.config import load_settings
from bot.scheduling.jobs.digest import run_digest
from bot.testing import (
    CREATED_DATABASES,
    POSTGRES_ENV,
    database_url,
    fixed_cipher,
    using_postgres,
)
from tests.fakes.telegram_api import FakeTelegram, RateLimit

LIMIT = 30
"""The fake's limit: messages accepted within any one second."""
FULL, QUICK = 5000, 600
FIRST_USER = 2_000_000
TARGET_RATE = 0.95


class TimedTelegram(FakeTelegram):
    """The fake Bot API, noting when each message was accepted and each 429 answered."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.accepted: list[tuple[float, int]] = []
        self.refused: list[float] = []

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        result = await super()._api_sendMessage(params)
        if isinstance(result, dict):
            self.accepted.append((time.monotonic(), int(params["chat_id"])))
        return result

    def _over_limit(self, limit: RateLimit) -> bool:
        over = super()._over_limit(limit)
        if over:
            self.refused.append(time.monotonic())
        return over


def busiest_second(times: Sequence[float]) -> int:
    """The most events within any one second (a sliding window, as the fake counts)."""
    window: deque[float] = deque()
    most = 0
    for moment in sorted(times):
        window.append(moment)
        while moment - window[0] >= 1.0:
            window.popleft()
        most = max(most, len(window))
    return most


def per_second(times: Sequence[float], since: float, until: float) -> list[int]:
    """Counts of ``times`` in one-second bins from ``since`` up to ``until``."""
    bins = [0] * (int(until - since) + 1)
    for moment in times:
        if since <= moment <= until:
            bins[int(moment - since)] += 1
    return bins


def plot(accepted: list[int], refused: list[int], title: str, path: Path) -> None:
    """Messages a second over time, with the platform's limit, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(10, 4), dpi=100)
    seconds = list(range(len(accepted)))
    axes.step(seconds, accepted, where="post", label="accepted (sendMessage)", color="tab:blue")
    if any(refused):
        axes.step(seconds, refused, where="post", label="answered 429", color="tab:red")
    axes.axhline(LIMIT, linestyle="--", color="black", linewidth=1, label=f"limit {LIMIT}/s")
    axes.set_xlabel("seconds since the digest job was started")
    axes.set_ylabel("messages per second (1 s bins)")
    axes.set_ylim(0, LIMIT * 1.5 + max([0, *accepted, *refused]) * 0.1)
    axes.set_title(title)
    axes.legend(loc="upper right")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


async def compose_seconds(url: str, expected: int) -> float:
    """Time ``run_digest`` alone, in this process, without queueing anything."""
    settings = load_settings(EXAMPLE_CONFIG, {"CONCERNBOT_DATABASE_URL": url})
    app = await bootstrap(settings, cipher=fixed_cipher(), environ={})
    try:
        async with app.uow() as uow:
            began = time.perf_counter()
            replies = await run_digest(uow, settings, datetime.now(UTC))
            took = time.perf_counter() - began
    finally:
        await app.close()
    if len(replies) != expected:
        raise RuntimeError(f"{len(replies)} digests composed for {expected} subscribers")
    return took


async def loop_lag(lags: list[float], every: float = 0.01) -> None:
    """Note how late this process's event loop wakes up (where the fake stamps arrivals)."""
    while True:
        began = time.monotonic()
        await asyncio.sleep(every)
        lags.append(time.monotonic() - began - every)


async def backlog(session: aiohttp.ClientSession, port: int) -> int:
    """The bot's outbox backlog, from its /healthz."""
    async with session.get(f"http://127.0.0.1:{port}/healthz") as answer:
        return int((await answer.json())["outbox_backlog"])


async def run_job(env: dict[str, str]) -> tuple[float, str]:
    """``concernbot jobs run digest`` in a process of its own; seconds taken and its output."""
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.app.cli",
        "jobs",
        "run",
        "digest",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"jobs run digest exited with {process.returncode}: {output!r}")
    return time.perf_counter() - began, output.decode().strip()


def profile_summary(path: Path, lines: int = 25) -> str:
    """The functions the bot spent most time in, own time and with callees."""
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)
    # Idle (waiting on the send limit) against the work that holds the event loop.
    stats.sort_stats("tottime").print_stats(r"epoll|sqlite3|_socket", 8)
    return out.getvalue()


def instance_environment(env: dict[str, str], instances: int) -> dict[str, str]:
    """Several instances cannot all poll one bot: they take webhooks (none come here)."""
    if instances == 1:
        return env
    return {
        **env,
        "CONCERNBOT_TELEGRAM_MODE": "webhook",
        "CONCERNBOT_TELEGRAM_WEBHOOK_URL": "https://concernbot.example/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "bench-webhook-secret",
    }


async def fan_out(
    subscribers: int, work: Path, profile: bool, instances: int = 1, local: bool = False
) -> dict[str, Any]:
    """Seed, compose, queue and deliver one digest round; the figures."""
    if instances > 1 and not using_postgres():
        raise SystemExit(f"--instances needs PostgreSQL (${POSTGRES_ENV})")
    url = database_url(work / "fanout.db")
    users = range(FIRST_USER, FIRST_USER + subscribers)
    began = time.perf_counter()
    await seed_members(url, users)
    seeded = time.perf_counter() - began
    composed = await compose_seconds(url, subscribers)

    # What seeding and composing left behind stays out of the collector's way: a long pause
    # of the fake's loop would stamp arrivals late and refuse one on the fake's own account.
    gc.collect()
    gc.freeze()
    fake = TimedTelegram(TELEGRAM_TOKEN)
    fake.rate_limit = RateLimit(per_second=LIMIT)
    await fake.start()
    lags: list[float] = []
    watching = asyncio.create_task(loop_lag(lags))
    ports = [free_port() for _ in range(instances)]
    envs = [
        instance_environment(
            bot_environment(
                url, p, telegram_url=f"http://127.0.0.1:{fake.port}", scheduler_enabled="false"
            ),
            instances,
        )
        for p in ports
    ]
    env, port = envs[0], ports[0]
    profile_file = work / "bot.prof"
    bots = [
        BotProcess(
            e,
            p,
            module="bench.local_budget_bot" if local else "bot.app.cli",
            python_options=("-m", "cProfile", "-o", str(profile_file)) if profile else (),
            log=work / f"bot{i}.log",
        )
        for i, (e, p) in enumerate(zip(envs, ports, strict=True))
    ]
    try:
        await asyncio.gather(*(b.start() for b in bots))
        triggered = time.monotonic()
        job_seconds, job_output = await run_job(env)
        queued = time.monotonic()
        deadline = queued + subscribers / LIMIT * 3 + 60
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if len(fake.accepted) >= subscribers and await backlog(session, port) == 0:
                    break
                await asyncio.sleep(0.25)
            # Anything sent twice after the backlog emptied would show up now.
            await asyncio.sleep(1.0)
            left = await backlog(session, port)
        rss = max(b.rss_mb() for b in bots)
    finally:
        watching.cancel()
        await asyncio.gather(*(b.stop() for b in bots))
        await fake.stop()

    times = [moment for moment, _ in fake.accepted]
    received = Counter(chat for _, chat in fake.accepted)
    expected = set(users)
    lost = len(expected - set(received))
    duplicates = sum(count - 1 for chat, count in received.items() if count > 1)
    strangers = sum(count for chat, count in received.items() if chat not in expected)
    first, last = (times[0], times[-1]) if times else (queued, queued)
    between = (len(times) - 1) / (last - first) if len(times) > 1 else 0.0
    whole = len(times) / (last - triggered) if times else 0.0
    figures: dict[str, Any] = {
        "subscribers": subscribers,
        "instances": instances,
        "budget": "each instance its own" if local else "shared" if using_postgres() else "own",
        "database": "postgresql" if using_postgres() else "sqlite",
        "seed_seconds": seeded,
        "compose_seconds": composed,
        "compose_ms_per_digest": composed / subscribers * 1000,
        "job_seconds": job_seconds,
        "job_output": job_output,
        "first_send_after_trigger_s": first - triggered,
        "delivery_seconds": last - first,
        "whole_run_seconds": last - triggered,
        "accepted": len(times),
        "refused_429": len(fake.refused),
        "lost": lost,
        "duplicates": duplicates,
        "unexpected_recipients": strangers,
        "backlog_at_end": left,
        "rate_between_per_s": between,
        "rate_between_of_limit": between / LIMIT,
        "rate_whole_run_per_s": whole,
        "rate_whole_run_of_limit": whole / LIMIT,
        "busiest_second": busiest_second(times),
        "bot_rss_mb": rss,
        # A fake that stalls stamps a few arrivals late and may refuse one on its own account.
        "fake_loop_lag_max_ms": max(lags, default=0.0) * 1000,
        "fake_loop_lags_over_30ms": sum(1 for lag in lags if lag > 0.03),
    }
    figures["targets_met"] = (
        figures["rate_between_of_limit"] >= TARGET_RATE
        and figures["refused_429"] == 0
        and lost == 0
        and duplicates == 0
    )
    end = max([last, *fake.refused])
    figures["_series"] = {
        "accepted_per_second": per_second(times, triggered, end),
        "refused_per_second": per_second(fake.refused, triggered, end),
    }
    if profile:
        figures["_profile"] = profile_summary(profile_file) if profile_file.exists() else ""
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the fan-out benchmark, print and save its figures, and plot messages a second."""
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK} subscribers, not {FULL}")
    parser.add_argument("--subscribers", type=int, default=None, help="how many subscribers")
    parser.add_argument("--profile", action="store_true", help="profile the bot (cProfile)")
    parser.add_argument("--instances", type=int, default=1, help="bots on one PostgreSQL")
    parser.add_argument(
        "--local-budget", action="store_true", help="each bot its own budget (before issue 13)"
    )
    args = parser.parse_args(argv)
    subscribers = args.subscribers or (QUICK if args.quick else FULL)
    with tempfile.TemporaryDirectory(prefix="fanout-") as work:
        try:
            figures = asyncio.run(
                fan_out(subscribers, Path(work), args.profile, args.instances, args.local_budget)
            )
        finally:
            drop_created_databases()
    series = figures.pop("_series")
    profile = figures.pop("_profile", None)
    bots = f" from {args.instances} instances ({figures['budget']} budget)"
    show(
        f"fan-out: a digest to {subscribers:,} subscribers at {LIMIT} messages/s"
        + (bots if args.instances > 1 else ""),
        figures,
    )
    if profile is not None:
        print(profile)
        return 0
    name = "fanout"
    if args.instances > 1:
        name += f"-{args.instances}-{'local' if args.local_budget else 'shared'}"
    # The committed figure is the full run's; quick and custom runs draw next to the results.
    full = subscribers == FULL and not args.quick
    picture = FIGURES / f"{name}.png" if full else RESULTS / f"{name}-quick.png"
    plot(
        series["accepted_per_second"],
        series["refused_per_second"],
        f"Digest to {subscribers:,} subscribers through a {LIMIT}/s limit"
        + (f", {args.instances} instances " if args.instances > 1 else " ")
        + f"({figures['rate_between_of_limit']:.1%} of the limit, "
        f"{figures['refused_429']} × 429, {figures['lost']} lost)",
        picture,
    )
    path = save(name, {"quick": args.quick, **figures, **series, "figure": str(picture)})
    print(f"  figure: {picture.relative_to(ROOT)}\n  results: {path.relative_to(ROOT)}")
    return 0


def drop_created_databases() -> None:
    """Drop the PostgreSQL databases this run created (none on SQLite)."""
    if not CREATED_DATABASES:
        return
    server = make_url(os.environ[POSTGRES_ENV]).set(drivername="postgresql")
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as db:
        for name in sorted(CREATED_DATABASES):
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    CREATED_DATABASES.clear()


if __name__ == "__main__":
    raise SystemExit(main())
