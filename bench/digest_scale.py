"""Benchmark 4: the trend digest over a million concerns, on SQLite and on PostgreSQL.

Both databases get the same made-up network (``bench.digest_seed``): a million concerns over two
years and 5,000 subscribers (``--quick``: 100,000 and 500). On each, in the same process run,
the digest's figures for the week and for the four weeks before a Monday slot are computed
(a) by our code, ``digest_data`` as the digest job calls it, and (b) by one hand-written SQL
statement that computes the same figures, run on the same connection pool and, for reference,
on the bare driver. Both must agree; the figure is the ratio of the medians (target ≤ 1.5).
The whole digest job (``run_digest`` for every subscriber) is timed as a secondary figure, and
the subscribers' open concerns are also read the way the job did before (``of_reporter`` per
subscriber) for a sample, extrapolated, and checked to be worded the same.
``--profile`` adds cProfiles of our code and the query plans of its statements.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import io
import pstats
import re
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import bindparam, event, text
from sqlalchemy.engine import make_url

from bench.common import EXAMPLE_CONFIG, save, show
from bench.digest_seed import Generator, Sealed, after_load, load, postgres_stamp, sqlite_stamp
from bot.app.composition import App, bootstrap
from bot.app.config import load_settings
from bot.conversation.cards import reporter_line
from bot.domain.model import Concern, Network
from bot.i18n import translator
from bot.scheduling.jobs.digest import MONTH, WEEK, DigestData, digest_data, open_line, run_digest
from bot.storage.tables import Stamp
from bot.testing import fixed_cipher

SLOT = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
"""Monday 08:00 in Amsterdam and in the first week of the month: both digests are due."""
DATABASE = "cb_bench_digest"
TARGET = 1.5
PERIODS = {"week": WEEK, "four_weeks": MONTH}
LIBRARIES = "bot/|sqlalchemy/(engine|orm|sql)|aiosqlite|psycopg"
"""What the profiles show: our code and the database libraries, not the event loop."""

HAND_WRITTEN = """
WITH shared AS (
    SELECT subject, setting,
           count(*) FILTER (WHERE created_at >= :start) AS now,
           count(*) FILTER (WHERE created_at < :start) AS before,
           count(*) FILTER (WHERE created_at >= :start AND acknowledged_at IS NOT NULL)
               AS acknowledged,
           count(*) FILTER (WHERE created_at >= :start AND acknowledged_at <= acknowledge_due)
               AS in_time
    FROM concerns
    WHERE network_id = :network AND created_at >= :previous AND created_at < :end
    GROUP BY subject, setting
)
SELECT 'subject' AS figure, subject AS name, sum(now) AS n FROM shared GROUP BY subject
UNION ALL SELECT 'setting', setting, sum(now) FROM shared GROUP BY setting
UNION ALL SELECT 'previous', '', sum(before) FROM shared
UNION ALL SELECT 'acknowledged', '', sum(acknowledged) FROM shared
UNION ALL SELECT 'in_time', '', sum(in_time) FROM shared
UNION ALL SELECT 'outcome', outcome, count(*) FROM concerns
    WHERE network_id = :network AND closed_at >= :start AND closed_at < :end GROUP BY outcome
UNION ALL SELECT 'useful', answer, count(*) FROM usefulness
    WHERE network_id = :network AND at >= :start AND at < :end GROUP BY answer
"""
"""The same figures as ``digest_data`` in one statement (SQLite ≥ 3.30 and PostgreSQL)."""

Figures = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Scale:
    """How much data, and how many timed repetitions."""

    concerns: int
    subscribers: int
    repetitions: int
    sample: int
    """Subscribers whose open concerns are also read the way the digest did before."""


FULL = Scale(1_000_000, 5_000, 7, 10)
QUICK = Scale(100_000, 500, 5, 4)


def figures_of(data: DigestData) -> Figures:
    """The figures of our digest data, zero counts left out."""
    single = {
        "previous": data.previous_total,
        "acknowledged": data.acknowledged,
        "in_time": data.acknowledged_in_time,
    }
    found: Figures = {
        "subject": dict(data.subjects),
        "setting": dict(data.settings),
        "outcome": dict(data.outcomes),
        "useful": dict(data.useful),
    }
    found.update({name: {"": count} for name, count in single.items()})
    return {k: {n: c for n, c in v.items() if c} for k, v in found.items()}


def figures_from(rows: Any) -> Figures:
    """The figures of the hand-written statement's rows, zero counts left out."""
    found: Figures = {k: {} for k in ("subject", "setting", "outcome", "useful")}
    found.update({k: {} for k in ("previous", "acknowledged", "in_time")})
    for figure, name, count in rows:
        if count:
            found[figure][name] = int(count)
    return found


def parameters(network: Network, length: timedelta) -> dict[str, Any]:
    """The bound values of the hand-written statement for the period ending at the slot."""
    start = SLOT - length
    return {"network": network.id, "previous": start - length, "start": start, "end": SLOT}


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    """Seconds ``work`` took, and what it returned."""
    began = time.perf_counter()
    result = await work()
    return time.perf_counter() - began, result


async def ours(app: App, network: Network, length: timedelta) -> tuple[float, Figures]:
    """Our digest computation for one period, timed inside an open unit of work."""
    async with app.uow() as uow:
        seconds, data = await timed(lambda: digest_data(uow, network, SLOT, length))
    return seconds, figures_of(data)


async def hand(app: App, network: Network, length: timedelta) -> tuple[float, Figures]:
    """The hand-written statement for one period, through the same engine, timed inside an
    open transaction as ours is."""
    statement = text(HAND_WRITTEN).bindparams(
        *(bindparam(name, type_=Stamp) for name in ("previous", "start", "end"))
    )
    async with app.engine.begin() as connection:

        async def run() -> Any:
            return (await connection.execute(statement, parameters(network, length))).all()

        seconds, rows = await timed(run)
    return seconds, figures_from(rows)


class Bare:
    """The hand-written statement on the bare, synchronous driver (no SQLAlchemy, no asyncio)."""

    def __init__(self, url: str, path: Path | None) -> None:
        self.sqlite = path is not None
        if path is not None:
            self.connection: Any = sqlite3.connect(path)
            self.sql = HAND_WRITTEN
        else:
            plain = make_url(url).set(drivername="postgresql")
            self.connection = psycopg.connect(plain.render_as_string(hide_password=False))
            self.sql = re.sub(r":(\w+)", r"%(\1)s", HAND_WRITTEN)

    def run(self, network: Network, length: timedelta) -> tuple[float, Figures]:
        """Seconds the statement took, and its figures."""
        values = parameters(network, length)
        if self.sqlite:
            values = {
                k: sqlite_stamp(int(v.timestamp())) if isinstance(v, datetime) else v
                for k, v in values.items()
            }
        began = time.perf_counter()
        rows = self.connection.execute(self.sql, values).fetchall()
        seconds = time.perf_counter() - began
        self.connection.commit()
        return seconds, figures_from(rows)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def median_ms(values: list[float]) -> float:
    """The median of seconds, in milliseconds."""
    return statistics.median(values) * 1000


async def compare(
    app: App, bare: Bare, network: Network, repetitions: int
) -> dict[str, float | int]:
    """Ours against the hand-written statement, per period; asserts equal figures."""
    figures: dict[str, float | int] = {}
    for period, length in PERIODS.items():
        times: dict[str, list[float]] = {"ours": [], "hand": [], "bare": []}
        for repetition in range(repetitions + 1):  # the first is a warm-up
            ours_s, ours_f = await ours(app, network, length)
            hand_s, hand_f = await hand(app, network, length)
            bare_s, bare_f = bare.run(network, length)
            assert ours_f == hand_f == bare_f, (period, ours_f, hand_f, bare_f)
            if repetition:
                for key, seconds in (("ours", ours_s), ("hand", hand_s), ("bare", bare_s)):
                    times[key].append(seconds)
        medians = {key: median_ms(values) for key, values in times.items()}
        figures[f"{period}_concerns"] = sum(ours_f["subject"].values())
        figures[f"{period}_ours_ms"] = medians["ours"]
        figures[f"{period}_hand_written_ms"] = medians["hand"]
        figures[f"{period}_bare_driver_ms"] = medians["bare"]
        figures[f"{period}_ratio"] = medians["ours"] / medians["hand"]
        figures[f"{period}_ratio_to_bare_driver"] = medians["ours"] / medians["bare"]
    return figures


async def whole_job(app: App, repetitions: int) -> dict[str, float | int]:
    """``run_digest`` for every subscriber at the slot: median seconds and digests composed."""
    times, count = [], 0
    for _ in range(repetitions):
        async with app.uow() as uow:
            seconds, replies = await timed(lambda: run_digest(uow, app.settings, SLOT))
        times.append(seconds)
        count = len(replies)
    return {"run_digest_s": statistics.median(times), "run_digest_digests": count}


async def personal_parts(app: App, network: Network, sample: int) -> dict[str, float | int]:
    """The subscribers' open concerns the way ``run_digest`` gets them (one query for the
    network) against the way it did before (``of_reporter`` per subscriber, which reads and
    decrypts every concern the subscriber ever shared), timed on a sample of subscribers
    and extrapolated; both must word each line the same."""
    zone, t = app.settings.bot.timezone, translator("en")
    async with app.uow() as uow:
        seconds, own = await timed(lambda: uow.concerns.open_by_reporter(network.id))
        members = sorted(own)[:: max(1, len(own) // sample)][:sample]
        before: dict[int, list[Concern]] = {}
        began = time.perf_counter()
        for member_id in members:
            before[member_id] = [c for c in await uow.concerns.of_reporter(member_id) if c.is_open]
        per_member = (time.perf_counter() - began) / len(members)
        subscribers = len(await uow.members.in_network(network.id))
    for member_id in members:
        old = [reporter_line(c, zone, t) for c in before[member_id]]
        assert old == [open_line(c, zone, t) for c in own[member_id]], member_id
    return {
        "open_concerns_listed": sum(len(v) for v in own.values()),
        "open_by_reporter_s": seconds,
        "before_of_reporter_per_subscriber_ms": per_member * 1000,
        "before_of_reporter_all_subscribers_s": per_member * subscribers,
    }


@contextmanager
def statements(app: App) -> Iterator[list[tuple[str, Any]]]:
    """Collect the SQL statements (and their parameters) the engine sends meanwhile."""
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    event.listen(app.uow.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(app.uow.sync_engine, "before_cursor_execute", record)


async def profile(app: App, network: Network) -> None:
    """Print where our digest computation spends its time, and its statements' plans."""
    for period, length in PERIODS.items():
        profiler = cProfile.Profile()
        with statements(app) as seen:
            profiler.enable()
            await ours(app, network, length)
            profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(LIBRARIES, 14)
        print(f"\n-- cProfile of digest_data, {period} ({app.engine.dialect.name})")
        print(out.getvalue().split("\n\n", 1)[-1].rstrip())
        await plans(app, seen)
        print(f"\n-- the hand-written statement, {period}")
        with statements(app) as seen:
            await hand(app, network, length)
        await plans(app, seen)
    profiler = cProfile.Profile()
    with statements(app) as seen:
        profiler.enable()
        await whole_job(app, 1)
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(LIBRARIES, 20)
    print(f"\n-- cProfile of run_digest ({app.engine.dialect.name}), {len(seen)} statements")
    print(out.getvalue().split("\n\n", 1)[-1].rstrip())


async def plans(app: App, seen: list[tuple[str, Any]]) -> None:
    """Print the query plan of each statement (EXPLAIN ANALYZE on PostgreSQL)."""
    postgres = app.engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    async with app.engine.connect() as connection:
        for statement, params in seen:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            result = await connection.exec_driver_sql(prefix + statement, params)
            print("\n  " + " ".join(statement.split())[:160])
            for row in result.tuples():
                values: tuple[Any, ...] = tuple(row)
                # SQLite's plan rows are (id, parent, unused, detail).
                print("    " + (str(values[0]) if postgres else f"{values[1]:>3} {values[-1]}"))


async def prepare(url: str, scale: Scale) -> tuple[App, dict[str, float | int]]:
    """Migrate a fresh database, seed it, and wire the bot on it; seeding figures."""
    settings = load_settings(EXAMPLE_CONFIG, {"CONCERNBOT_DATABASE_URL": url})
    app = await bootstrap(settings, cipher=fixed_cipher(), environ={})
    network = settings.networks[0]
    stamp = postgres_stamp if url.startswith("postgresql") else sqlite_stamp
    sealed = Sealed.made_up(fixed_cipher())
    end = int(SLOT.timestamp())
    generator = Generator(network, end, scale.concerns, scale.subscribers, sealed, stamp)
    began = time.perf_counter()
    rows = 0
    async with app.engine.begin() as connection:
        await load(connection, generator.people())
    for batch in generator.batches():
        async with app.engine.begin() as connection:
            await load(connection, batch)
        rows += len(batch)
    async with app.engine.begin() as connection:
        await after_load(connection)
    seconds = time.perf_counter() - began
    return app, {"seed_s": seconds, "seed_rows_per_s": rows / seconds}


def check_stamp_format() -> None:
    """The seed writes SQLite moments as text itself: it must be SQLAlchemy's text."""
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    processor = Stamp.dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None
    for moment in (SLOT, SLOT - timedelta(days=400, seconds=7)):
        ours = sqlite_stamp(int(moment.timestamp()))
        assert processor(moment) == ours, (processor(moment), ours)
    assert datetime.fromisoformat(postgres_stamp(int(SLOT.timestamp()))) == SLOT


def admin(server: str) -> psycopg.Connection[Any]:
    """An autocommit connection to the PostgreSQL server's maintenance database."""
    plain = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(plain, autocommit=True)


async def on_database(
    name: str, url: str, path: Path | None, scale: Scale, deep: bool
) -> dict[str, Any]:
    """Seed, compare and time on one database; its figures."""
    app, figures = await prepare(url, scale)
    bare = Bare(url, path)
    try:
        network = app.settings.networks[0]
        figures |= await compare(app, bare, network, scale.repetitions)
        figures |= await whole_job(app, 3)
        figures |= await personal_parts(app, network, scale.sample)
        if deep:
            await profile(app, network)
    finally:
        bare.close()
        await app.close()
    show(
        f"digest over {scale.concerns:,} concerns, {scale.subscribers:,} subscribers: {name}",
        figures,
    )
    return figures


async def main_async(scale: Scale, server: str, deep: bool) -> int:
    """Run on SQLite and on PostgreSQL; save and judge the figures."""
    check_stamp_format()
    results: dict[str, Any] = {"concerns": scale.concerns, "subscribers": scale.subscribers}
    with tempfile.TemporaryDirectory(prefix="cb-digest-") as scratch:
        path = Path(scratch) / "digest.db"
        results["sqlite"] = await on_database("SQLite", f"sqlite:///{path}", path, scale, deep)
    with admin(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    try:
        url = make_url(server).set(database=DATABASE).render_as_string(hide_password=False)
        results["postgresql"] = await on_database("PostgreSQL", url, None, scale, deep)
    finally:
        with admin(server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    ratios = {
        f"{db}_{period}": results[db][f"{period}_ratio"]
        for db in ("sqlite", "postgresql")
        for period in PERIODS
    }
    missed = {k: v for k, v in ratios.items() if v > TARGET}
    show("ratio to the hand-written statement (target ≤ 1.5)", ratios)
    print(f"  saved to {save('digest_scale', results)}")
    if missed:
        print(f"  target missed: {', '.join(missed)}")
    return 0


def postgres_server() -> str:
    """The URL of the throwaway PostgreSQL server (started if needed)."""
    import subprocess

    from bench.common import ROOT

    found = subprocess.run(
        [str(ROOT / "scripts" / "test-postgres")], capture_output=True, text=True, check=True
    )
    return found.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench.digest_scale", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100,000 concerns, 500 subscribers")
    parser.add_argument("--concerns", type=int, help="override the number of concerns")
    parser.add_argument("--profile", action="store_true", help="cProfile and query plans")
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    if args.concerns:
        scale = dataclasses.replace(scale, concerns=args.concerns)
    return asyncio.run(main_async(scale, postgres_server(), args.profile))


if __name__ == "__main__":
    raise SystemExit(main())
