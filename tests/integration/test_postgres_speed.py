"""PostgreSQL's speed: a pool sized to the lanes and the background, no round trip at checkout
(a connection the server ended is replaced before a unit of work uses it), reads without
BEGIN and ROLLBACK, and the claim on the partial index of pending rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from adapters.registry import REGISTRY
from bot.app.composition import lanes
from bot.storage.engine import create_engine
from bot.storage.migrate import upgrade
from bot.storage.outbox import LEASE
from bot.storage.postgres import pool_size
from bot.storage.reading import reading
from bot.storage.uow_factory import UnitOfWorkFactory
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
    settings = REGISTRY.settle(example_settings(tmp_path / "lanes.db"), {})
    channel = settings.channels["telegram"]
    assert lanes(settings, ["telegram"]) == channel.concurrent_updates == 8
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


SEED = """
INSERT INTO outbox (channel, address, payload_enc, state, attempts, next_attempt_at,
                    created_at, order_key)
SELECT 'telegram', mod(i, 500)::text, 'x',
       CASE WHEN mod(i, 1000) = 0 THEN 'pending' ELSE 'sent' END,
       0, now() + interval '1 hour', now(), ''
FROM generate_series(1, 20000) AS i
"""


async def claim_plan(url: str) -> str:
    """EXPLAIN of the outbox claim, as the worker sends it, over 20,000 rows mostly sent (the
    20 pending ones due later: nothing is claimed, no payload opened)."""
    engine = create_engine(url, lanes=1)
    await upgrade(engine)
    sent: list[tuple[str, Any]] = []

    def note(_c: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        if statement.lstrip().startswith("UPDATE outbox"):
            sent.append((statement, parameters))

    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(SEED)
            await connection.commit()
            await connection.exec_driver_sql("ANALYZE outbox")
            await connection.commit()
        factory = UnitOfWorkFactory(engine, fixed_cipher())
        event.listen(engine.sync_engine, "before_cursor_execute", note)
        async with factory.for_delivery() as uow:
            await uow.outbox.claim(("telegram",), datetime.now(UTC), LEASE, limit=50)
        event.remove(engine.sync_engine, "before_cursor_execute", note)
        statement, parameters = sent[0]
        async with engine.connect() as connection:
            rows = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            return "\n".join(str(row[0]) for row in rows)
    finally:
        await engine.dispose()


@postgres
async def test_the_claim_reads_the_partial_index_of_pending_rows(tmp_path: Path) -> None:
    plan = await claim_plan(database_url(tmp_path / "claim.db"))
    assert "ix_outbox_pending" in plan, plan


async def test_a_reading_unit_reads_and_on_postgresql_holds_no_transaction(
    tmp_path: Path,
) -> None:
    engine = create_engine(database_url(tmp_path / "reading.db"), lanes=1)
    await upgrade(engine)
    factory = UnitOfWorkFactory(engine, fixed_cipher())
    try:
        async with reading(factory) as uow:
            assert await uow.outbox.pending_count() == 0
            if using_postgres():
                raw = await uow.connection.get_raw_connection()  # type: ignore[attr-defined]
                driver = raw.driver_connection
                assert driver.info.transaction_status == TransactionStatus.IDLE
                with pytest.raises(TypeError):
                    await uow.commit()
        async with factory() as uow:  # the connection went back as it was: transactions again
            await uow.outbox.pending_count()
            if using_postgres():
                raw = await uow.connection.get_raw_connection()  # type: ignore[attr-defined]
                status = raw.driver_connection.info.transaction_status
                assert status == TransactionStatus.INTRANS
    finally:
        factory.dispose()
        await engine.dispose()
