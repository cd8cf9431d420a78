"""SQLite in place: the driver behind SQLAlchemy's asyncio interface, the synchronous connection
units of work share, and the one-writer queue."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.storage.crypto import Cipher
from bot.storage.engine import create_engine, in_place_engine
from bot.storage.sqlite import inline as sqlite_inline
from bot.storage.statements import SharedConnection
from bot.storage.uow_factory import UnitOfWorkFactory
from bot.testing import fixed_cipher

pytestmark = pytest.mark.sqlite_only

metadata = MetaData()
counters = Table(
    "counters", metadata, Column("id", Integer, primary_key=True), Column("n", Integer)
)


async def test_every_sqlite_url_is_served_by_the_in_place_driver(tmp_path: Path) -> None:
    for url in (
        f"sqlite:///{tmp_path}/a.db",
        f"sqlite+pysqlite:///{tmp_path}/b.db",
        f"sqlite+aiosqlite:///{tmp_path}/c.db",
    ):
        engine = create_engine(url)
        try:
            assert engine.dialect.driver == sqlite_inline.DRIVER
            async with engine.connect() as connection:
                assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
                assert (await connection.execute(text("PRAGMA synchronous"))).scalar() == 2
        finally:
            await engine.dispose()


async def test_a_commit_is_on_disk_and_a_rollback_leaves_nothing(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/c.db")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        async with engine.connect() as connection:
            await connection.execute(insert(counters).values(id=1, n=1))
            await connection.commit()
            await connection.execute(insert(counters).values(id=2, n=2))
            await connection.rollback()
        with sqlite3.connect(tmp_path / "c.db") as plain:
            assert plain.execute("SELECT id, n FROM counters").fetchall() == [(1, 1)]
    finally:
        await engine.dispose()


async def test_driver_errors_arrive_as_sqlalchemy_errors(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/d.db")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(insert(counters).values(id=1, n=1))
        async with engine.connect() as connection:
            with pytest.raises(IntegrityError):
                await connection.execute(insert(counters).values(id=1, n=2))
    finally:
        await engine.dispose()


async def test_concurrent_units_of_work_queue_for_the_writer_and_lose_no_update(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/e.db")
    cipher: Cipher = fixed_cipher()
    factory = UnitOfWorkFactory(engine, cipher)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(insert(counters).values(id=1, n=0))

        async def increment() -> None:
            async with factory() as uow:
                connection = uow.connection
                n = (await connection.execute(select(counters.c.n))).scalar_one()
                await asyncio.sleep(0)  # let every other task try to get in now
                await connection.execute(update(counters).values(n=n + 1))
                await uow.commit()

        await asyncio.gather(*(increment() for _ in range(50)))
        async with engine.connect() as connection:
            assert (await connection.execute(select(counters.c.n))).scalar_one() == 50
    finally:
        factory.dispose()
        await engine.dispose()


async def test_a_unit_of_work_left_without_commit_leaves_nothing_on_the_shared_connection(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/f.db")
    factory = UnitOfWorkFactory(engine, fixed_cipher())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

        async def failing_turn() -> None:
            async with factory() as uow:
                await uow.connection.execute(insert(counters).values(id=1, n=1))
                raise RuntimeError("the turn failed")

        with pytest.raises(RuntimeError):
            await failing_turn()
        async with factory() as uow:
            await uow.connection.execute(insert(counters).values(id=2, n=2))
            await uow.commit()
        async with engine.connect() as connection:
            assert (await connection.execute(select(counters.c.id))).scalars().all() == [2]
    finally:
        factory.dispose()
        await engine.dispose()


def test_the_shared_connection_is_opened_again_once_broken(tmp_path: Path) -> None:
    twin = in_place_engine(create_engine(f"sqlite:///{tmp_path}/g.db"))
    assert twin is not None
    shared = SharedConnection(twin)
    try:
        first = shared.take()
        assert shared.take() is first
        first.invalidate()
        second = shared.take()
        assert second is not first
        assert second.execute(text("SELECT 1")).scalar() == 1
    finally:
        shared.close()


def test_a_database_in_memory_has_no_in_place_twin() -> None:
    assert in_place_engine(create_engine("sqlite://")) is None


async def test_a_delivery_unit_of_work_gets_the_writer_before_those_waiting_already(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/g.db")
    factory = UnitOfWorkFactory(engine, fixed_cipher())
    order: list[str] = []

    async def unit(name: str, durable: bool | None) -> None:
        made = factory() if durable is None else factory.for_delivery(durable=durable)
        async with made:
            order.append(name)

    try:
        async with factory():
            waiting = [asyncio.create_task(unit("turn", None))]
            await asyncio.sleep(0)  # the turn queues for the writer first
            waiting.append(asyncio.create_task(unit("sent", False)))
            waiting.append(asyncio.create_task(unit("claim", True)))
            await asyncio.sleep(0)
            assert order == []
        await asyncio.gather(*waiting)
        assert order == ["sent", "claim", "turn"]
    finally:
        factory.dispose()
        await engine.dispose()
