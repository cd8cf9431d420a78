"""Storage that another process holds up: a unit of work waits for SQLite's write lock without
stopping the event loop, and storage's health report says what it waits on (issue 14)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Coroutine
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from bot.app.composition import App
from bot.storage.engine import create_engine
from bot.storage.health import STALLED_AFTER, StorageHealth
from bot.storage.sqlite.lock_wait import WAITS, WRITE_LOCK, LockWaits
from bot.storage.uow_factory import UnitOfWorkFactory
from bot.testing import fixed_cipher

WITHIN = 10.0
metadata = MetaData()
counters = Table("counters", metadata, Column("id", Integer, primary_key=True))


async def until(check: Callable[[], bool], within: float = WITHIN) -> None:
    """Poll ``check`` until it holds; fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def ticking(ticks: list[int]) -> None:
    """Count rounds of the event loop, as any other task of the bot would take its turns."""
    while True:
        await asyncio.sleep(0.005)
        ticks.append(1)


@pytest.fixture
async def counted(tmp_path: Path) -> Path:
    """A SQLite file with the counters table."""
    engine = create_engine(f"sqlite:///{tmp_path}/wait.db")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    await engine.dispose()
    return tmp_path / "wait.db"


async def while_locked(database: Path, write: Callable[[], Coroutine[None, None, None]]) -> int:
    """Run ``write`` while another connection holds the write lock; release it once ``write``
    waits; how many loop rounds passed meanwhile. ``write`` must then complete."""
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    ticks: list[int] = []
    ticker = asyncio.create_task(ticking(ticks))
    task = asyncio.create_task(write())
    try:
        await until(lambda: WAITS.waiters == 1)
        await until(lambda: len(ticks) >= 20)  # the loop goes on while the write waits
        assert not task.done()
    finally:
        holder.execute("COMMIT")
        holder.close()
        ticker.cancel()
    await asyncio.wait_for(task, WITHIN)
    assert WAITS.waiters == 0
    return len(ticks)


@pytest.mark.sqlite_only
async def test_a_unit_of_work_waits_for_another_processs_write_lock_with_the_loop_running(
    counted: Path,
) -> None:
    engine = create_engine(f"sqlite:///{counted}")
    factory = UnitOfWorkFactory(engine, fixed_cipher())

    async def write() -> None:
        async with factory() as uow:
            await uow.connection.execute(insert(counters).values(id=1))
            await uow.commit()

    try:
        await while_locked(counted, write)
        async with engine.connect() as connection:
            assert (await connection.execute(select(counters.c.id))).scalars().all() == [1]
    finally:
        factory.dispose()
        await engine.dispose()


@pytest.mark.sqlite_only
async def test_the_asyncio_engine_waits_for_the_write_lock_with_the_loop_running(
    counted: Path,
) -> None:
    engine = create_engine(f"sqlite:///{counted}")

    async def write() -> None:
        async with engine.begin() as connection:
            await connection.execute(insert(counters).values(id=2))

    try:
        await while_locked(counted, write)
        async with engine.connect() as connection:
            assert (await connection.execute(select(counters.c.id))).scalars().all() == [2]
    finally:
        await engine.dispose()


async def test_storage_health_reads_the_counts_and_reports_a_long_wait_for_the_lock(
    app: App,
) -> None:
    now = [100.0]
    waits = LockWaits(lambda: now[0])
    health = StorageHealth(app.uow, waits)
    backend = app.engine.dialect.name
    try:
        assert await health.report() == {
            "ok": True,
            "database": "ok",
            "storage": {"ok": True, "backend": backend},
            "outbox_backlog": 0,
            "dead_letters": 0,
        }
        waits.begin()
        now[0] += STALLED_AFTER / 2  # taking turns with another process: still healthy
        report = await health.report()
        assert report["ok"] is True
        assert report["storage"]["waiting"] == WRITE_LOCK
        now[0] += STALLED_AFTER
        report = await health.report()
        assert report["ok"] is False
        assert report["database"] == "waiting"
        assert report["storage"] == {
            "ok": False,
            "backend": backend,
            "waiting": WRITE_LOCK,
            "for_seconds": 1.5,
            "waiters": 1,
        }
        assert report["outbox_backlog"] == 0  # read all the same: reads wait for no writer
    finally:
        await health.close()


async def test_storage_health_says_it_waits_for_a_postgresql_that_does_not_answer() -> None:
    answered = asyncio.Event()
    handlers: list[asyncio.Task[None]] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await answered.wait()  # accepts the connection, never answers
        finally:
            writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    engine = create_engine(f"postgresql+psycopg://bot@127.0.0.1:{port}/concernbot")
    factory = UnitOfWorkFactory(engine, fixed_cipher())
    health = StorageHealth(factory, LockWaits(), timeout=0.1)
    try:
        first = await asyncio.wait_for(health.report(), 1.0)
        second = await asyncio.wait_for(health.report(), 1.0)
    finally:
        await health.close()
        await engine.dispose()
        answered.set()
        await asyncio.gather(*handlers, return_exceptions=True)
        server.close()
        await server.wait_closed()
    for report in (first, second):
        assert report["ok"] is False
        assert report["database"] == "waiting"
        assert report["storage"]["waiting"] == "postgresql"
        assert "outbox_backlog" not in report
    # The same read, waited for again: not a second connection attempt piling up.
    assert second["storage"]["for_seconds"] > first["storage"]["for_seconds"]


@pytest.mark.sqlite_only
async def test_a_failed_read_stays_not_ok_while_a_short_wait_for_the_lock_is_reported(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/empty.db")  # no outbox table: the read fails
    factory = UnitOfWorkFactory(engine, fixed_cipher())
    waits = LockWaits(lambda: 0.0)
    health = StorageHealth(factory, waits)
    waits.begin()
    try:
        report = await health.report()
    finally:
        await health.close()
        factory.dispose()
        await engine.dispose()
    assert report["ok"] is False
    assert report["database"] == "OperationalError"
    assert report["storage"]["ok"] is False
    assert report["storage"]["waiting"] == WRITE_LOCK
