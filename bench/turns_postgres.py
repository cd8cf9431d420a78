"""Benchmark 1 on PostgreSQL: the turns of bench.turns against a durable PostgreSQL server, one
instance and several on one database, beside the same load on a SQLite file in the same run.

    python -m bench.turns --database postgresql [--postgres-url URL] [--instances 1 3]
                          [--quick | --reporters N]

The server is ``--postgres-url``, else $CONCERNBOT_BENCH_POSTGRES_URL (scripts/bench-postgres
starts a durable one and prints its URL); each run gets a fresh database there, dropped at the
end. One instance polls, as on SQLite; several take webhooks, each reporter's updates posted to
one of them (by user id), all on one database, any of them sending any reply. Beside several,
one instance also takes webhooks (``postgresql_1_webhook``): several instances must use webhooks
(Telegram gives one bot's updates to one poller), so what several cost is measured against one
in the same mode, and against the polling one as well.

Figures per run: turns/s and latencies, the bots' CPU per turn (all their processes, during the
load), transactions per turn (pg_stat_database's xact_commit + xact_rollback of that database
from before the bots start to after they stop, over every turn served, the calibration's too:
start and stop are in it, a few dozen) and the connections opened (its ``sessions``, the same
window). Ratios: each PostgreSQL run ÷ SQLite, and several instances ÷ one.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from sqlalchemy import make_url

from adapters.telegram.webhook import SECRET_HEADER, TELEGRAM_PATH
from bench.common import (
    BotProcess,
    bot_environment,
    cpu_seconds,
    free_port,
    save,
    seed_members,
    show,
)
from bench.platforms import TimedSlack, TimedTelegram
from bench.turns import (
    FIRST_USER,
    LIMITS_OFF,
    Result,
    alert_times,
    alerts_arrived,
    calibrate,
    play,
    run_concernbot,
)
from bot.testing import SHARE_SCRIPT

SERVER_ENV = "CONCERNBOT_BENCH_POSTGRES_URL"
"""The PostgreSQL server to benchmark on, when ``--postgres-url`` does not name one."""
WEBHOOK_SECRET = "bench-webhook-secret"
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
"""The server settings of a durable PostgreSQL (production's)."""
SETTLE = 0.5
"""Seconds for the server to count the stopped bots' sessions (a backend's statistics are
flushed when it exits)."""
_names = itertools.count()
ONE_WEBHOOK = "postgresql_1_webhook"
"""One instance taking webhooks, as several must (the like-for-like base of several)."""

BOT_SETTINGS = {
    "telegram_overall_per_second": LIMITS_OFF,
    "telegram_per_chat_per_second": LIMITS_OFF,
    "telegram_per_chat_burst": LIMITS_OFF,
    "slack_overall_per_second": LIMITS_OFF,
    "slack_per_channel_per_second": LIMITS_OFF,
    "slack_per_channel_burst": LIMITS_OFF,
    "scheduler_enabled": "false",
}
"""As bench.turns runs concernbot on SQLite: no send limits, no scheduler."""


@dataclass(frozen=True)
class Counters:
    """A database's cumulative counters in pg_stat_database."""

    transactions: int
    sessions: int


def plain(server: str) -> str:
    """The libpq URL of a SQLAlchemy URL (password kept)."""
    return make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)


def counters(server: str, name: str) -> Counters:
    """Transactions (committed and rolled back) and sessions of database ``name`` so far,
    read from the server's own database (so that reading adds nothing to them)."""
    with psycopg.connect(plain(server), autocommit=True) as db:
        row = db.execute(
            "SELECT xact_commit + xact_rollback, sessions FROM pg_stat_database WHERE datname = %s",
            (name,),
        ).fetchone()
    return Counters(int(row[0]), int(row[1])) if row else Counters(0, 0)


def server_settings(server: str) -> dict[str, str]:
    """What the server says about its durability (and its version)."""
    with psycopg.connect(plain(server), autocommit=True) as db:
        found = {k: str(db.execute(f"SHOW {k}").fetchone()[0]) for k in DURABLE}  # type: ignore[index]
        found["server_version"] = str(db.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    return found


def create_database(server: str) -> tuple[str, str]:
    """A fresh database on the server: its name and SQLAlchemy URL."""
    name = f"bench_turns_{os.getpid()}_{next(_names)}"
    with psycopg.connect(plain(server), autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    return name, make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, name: str) -> None:
    """Drop a database this benchmark created."""
    with psycopg.connect(plain(server), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


WEBHOOK_CONNECTIONS = 40
"""Requests Telegram keeps in flight to one webhook: setWebhook's max_connections, whose
default (40) concernbot keeps."""


class SpreadTelegram(TimedTelegram):
    """With ``targets`` (webhook URLs), posts each update to one of them, chosen by the sender,
    noting when it was offered; without, queues it for getUpdates like TimedTelegram.

    As Telegram does, at most ``WEBHOOK_CONNECTIONS`` requests are in flight to one webhook,
    and the updates waiting for one are posted in the order they came. (aiohttp's own
    connection limit is no such queue: a connection handed back is taken by whichever request
    asks next, so the reporters whose turns came back first kept every connection and the
    others' first updates waited for them to finish, up to 18 s at 300 reporters.)"""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self._client: aiohttp.ClientSession | None = None
        self._in_flight: dict[str, asyncio.Semaphore] = {}

    async def push(self, update: dict[str, Any]) -> None:
        """Deliver an update to its reporter's instance (or to getUpdates)."""
        if not self.targets:
            await super().push(update)
            return
        if self._client is None:
            # No limit of its own: the semaphores below are the queue.
            self._client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        sender = (update.get("message") or update.get("callback_query") or {})["from"]["id"]
        target = self.targets[int(sender) % len(self.targets)]
        # Offered when it is queued for its webhook: the turn's latency starts here.
        now = time.perf_counter()
        self.offered.setdefault(int(update["update_id"]), now)
        self.served.setdefault(int(update["update_id"]), now)
        headers = {SECRET_HEADER: WEBHOOK_SECRET}
        slots = self._in_flight.setdefault(target, asyncio.Semaphore(WEBHOOK_CONNECTIONS))
        async with (
            slots,  # first come, first served (asyncio's semaphore is fair)
            self._client.post(target, json=update, headers=headers) as answer,
        ):
            if answer.status != 200:
                raise RuntimeError(f"the webhook answered {answer.status}")

    async def stop(self) -> None:
        """Close the webhook client too."""
        if self._client is not None:
            await self._client.close()
        await super().stop()


def instance_env(
    url: str, port: int, fake: TimedTelegram, slack: TimedSlack, webhook: bool
) -> dict[str, str]:
    """One bot's environment: polling alone, webhook mode beside others."""
    env = bot_environment(
        url, port, telegram_url=fake.api_url, slack_url=slack.base_url, **BOT_SETTINGS
    )
    if webhook:
        env["CONCERNBOT_TELEGRAM_MODE"] = "webhook"
        env["CONCERNBOT_TELEGRAM_WEBHOOK_URL"] = "https://concernbot.example/telegram/webhook"
        env["TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    return env


async def load_all(
    name: str, fake: TimedTelegram, reporters: int, script: Sequence[str], pids: Sequence[int]
) -> Result:
    """bench.turns.load for several bot processes: their CPU summed."""
    counts = await calibrate(fake, FIRST_USER - 1, script)
    users = range(FIRST_USER, FIRST_USER + reporters)
    cpu = sum(cpu_seconds(pid) for pid in pids)
    began = time.perf_counter()
    outcomes = await asyncio.gather(*(play(fake, user, script, counts) for user in users))
    seconds = time.perf_counter() - began
    cpu = sum(cpu_seconds(pid) for pid in pids) - cpu
    latencies = [x for o in outcomes for x in o.latencies]
    result = Result(name, reporters, len(latencies), seconds, latencies, list(outcomes))
    result.extra["cpu_ms_per_turn"] = cpu * 1000 / len(latencies)
    result.extra["cpu_busy"] = cpu / seconds
    return result


async def run_postgres(
    server: str,
    work: Path,
    reporters: int,
    script: Sequence[str],
    instances: int,
    webhook: bool | None = None,
) -> Result:
    """concernbot on a fresh PostgreSQL database: ``instances`` bots serving the reporters
    (by webhooks when ``webhook``; by default when there are several)."""
    name, url = create_database(server)
    try:
        await seed_members(url, range(FIRST_USER - 1, FIRST_USER + reporters))
        fake, slack = SpreadTelegram(), TimedSlack()
        await fake.start()
        await slack.start()
        ports = [free_port() for _ in range(instances)]
        webhook = instances > 1 if webhook is None else webhook
        bots = [
            BotProcess(instance_env(url, p, fake, slack, webhook), p, log=work / f"bot{i}.log")
            for i, p in enumerate(ports)
        ]
        before = counters(server, name)
        try:
            ready = await asyncio.gather(*(b.start() for b in bots))
            if webhook:
                fake.targets = [f"http://127.0.0.1:{p}{TELEGRAM_PATH}" for p in ports]
            else:
                await fake.polling()
            pids = [b.process.pid for b in bots if b.process is not None]
            label = f"concernbot on PostgreSQL, {instances} instance{'s' * (instances > 1)}"
            label += ", webhooks" if webhook and instances == 1 else ""
            result = await load_all(label, fake, reporters, script, pids)
            result.ready_seconds = max(ready)
            await alerts_arrived(result.outcomes, slack)
            result.extra["alerts_missing"] = float(
                len(result.outcomes) - len(alert_times(result.outcomes, slack))
            )
        finally:
            await asyncio.gather(*(b.stop() for b in bots))
            await fake.stop()
            await slack.stop()
        await asyncio.sleep(SETTLE)
        after = counters(server, name)
    finally:
        drop_database(server, name)
    served = result.turns + len(script)  # the calibration's turns too
    result.extra["instances"] = float(instances)
    result.extra["xact_per_turn"] = (after.transactions - before.transactions) / served
    result.extra["connections_opened"] = float(after.sessions - before.sessions)
    return result


def ratios(results: dict[str, Result]) -> dict[str, float]:
    """Each PostgreSQL run ÷ SQLite; several instances ÷ one (throughput and CPU per turn)."""
    found: dict[str, float] = {}
    sqlite, one = results["sqlite"], results.get("postgresql_1")
    one_webhook = results.get(ONE_WEBHOOK)
    for key, result in results.items():
        if key == "sqlite":
            continue
        bases = [("sqlite", sqlite), ("postgresql_1", one)]
        if key != ONE_WEBHOOK:
            bases.append((ONE_WEBHOOK, one_webhook))
        for base_key, base in bases:
            if base is None or base is result:
                continue
            found[f"{key}_vs_{base_key}_throughput"] = (
                result.turns_per_second / base.turns_per_second
            )
            found[f"{key}_vs_{base_key}_cpu_per_turn"] = (
                result.extra["cpu_ms_per_turn"] / base.extra["cpu_ms_per_turn"]
            )
    return found


async def main_async(reporters: int, server: str, instances: Sequence[int]) -> int:
    """SQLite, then PostgreSQL with each number of instances; figures and ratios."""
    settings = server_settings(server)
    show("PostgreSQL server", settings)
    if any(settings[k] != v for k, v in DURABLE.items()):
        print("  NOT DURABLE: these figures are not production's (start scripts/bench-postgres)")
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="concernbot-bench-pg-") as tmp:
        keys = ["sqlite", *(f"postgresql_{n}" for n in instances)]
        if any(n > 1 for n in instances):
            keys.insert(keys.index(f"postgresql_{min(n for n in instances if n > 1)}"), ONE_WEBHOOK)
        for key in keys:
            work = Path(tmp) / key
            work.mkdir()
            if key == "sqlite":
                result = await run_concernbot(work, reporters, SHARE_SCRIPT)
                result.name = "concernbot on SQLite"
            elif key == ONE_WEBHOOK:
                result = await run_postgres(server, work, reporters, SHARE_SCRIPT, 1, True)
            else:
                n = int(key.rsplit("_", 1)[1])
                result = await run_postgres(server, work, reporters, SHARE_SCRIPT, n)
            results[key] = result
            show(
                f"{result.name}: {reporters} reporters × {len(SHARE_SCRIPT)} turns",
                result.figures(),
            )
    found = ratios(results)
    show(
        "PostgreSQL ÷ SQLite (target ≥ 0.6), instances ÷ one (CPU per turn ≤ 1.1; like for like:"
        " ÷ postgresql_1_webhook)",
        found,
    )
    save(
        "turns-postgres",
        {
            "reporters": reporters,
            "turns_per_reporter": len(SHARE_SCRIPT),
            "server": settings,
            "results": {k: r.figures() | {"ready_s": r.ready_seconds} for k, r in results.items()},
            "ratios": found,
        },
    )
    return 0
