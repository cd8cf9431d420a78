"""PostgreSQL's pool: sized to the lanes and the background, no round trip at checkout, and a
connection the server ended replaced before a unit of work uses it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app.composition import lanes
from bot.storage.engine import create_engine
from bot.storage.migrate import upgrade
from bot.storage.postgres import pool_size
from bot.storage.uow import UnitOfWorkFactory
from bot.testing import database_url, example_settings, fixed_cipher, using_postgres

postgres = pytest.mark.skipif(
    not using_postgres(), reason="CONCERNBOT_TEST_POSTGRES_URL is not set"
)


def test_the_pool_holds_a_connection_per_lane_and_the_background_without_pinging() -> None:
    engine = create_engine("postgresql+psycopg://bot@127.0.0.1:1/concernbot", lanes=8)
    pool = engine.sync_engine.pool
    assert pool.size() == pool_size(8) == 8 + 4 + 2  # type: ignore[attr-defined]
    assert pool._pre_ping is False  # no SELECT 1, a transaction of its own, per unit of work


def test_the_lanes_are_the_channels_concurrent_updates(tmp_path: Path) -> None:
    settings = example_settings(tmp_path / "lanes.db")
    channel = settings.channels.get("telegram")
    assert channel is not None
    assert lanes(settings, ["telegram"]) == channel.concurrent_updates
    assert lanes(settings, []) == 0


async def _backend(factory: UnitOfWorkFactory) -> int:
    async with factory() as uow:
        found = await uow.connection.execute(text("SELECT pg_backend_pid()"))
        pid = int(found.scalar_one())
        await uow.outbox.pending_count()
        await uow.commit()
    return pid


@postgres
async def test_a_connection_the_server_ended_does_not_fail_the_next_unit_of_work(
    tmp_path: Path,
) -> None:
    url = database_url(tmp_path / "pool.db")
    engine = create_engine(url, lanes=1)
    await upgrade(engine)
    factory = UnitOfWorkFactory(engine, fixed_cipher())
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        first = await _backend(factory)
        assert await _backend(factory) == first  # pooled: the same connection again
        with psycopg.connect(admin, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (first,))
            for _ in range(100):  # until the server has ended it
                gone = other.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (first,)
                ).fetchone()
                if gone is not None and gone[0] == 0:
                    break
                await asyncio.sleep(0.05)
        second = await _backend(factory)
    finally:
        await engine.dispose()
    assert second != first
