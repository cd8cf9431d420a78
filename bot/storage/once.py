"""Once-only records: an event id or a job period is stored in the same transaction as its
effect, so a redelivery or a second run finds it and does nothing."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert

from bot.storage.statements import Statements
from bot.storage.tables import job_runs, processed_events


async def insert_once(connection: Statements, table: Table, **values: Any) -> bool:
    """Insert a row unless its key exists; True when it was inserted now."""
    statement = _statement(connection.dialect.name, table)
    return (await connection.execute(statement, values)).first() is not None


@functools.cache
def _statement(dialect: str, table: Table) -> Insert:
    # Built once per table: every update a channel delivers goes through here.
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    key = next(iter(table.primary_key.columns))
    # RETURNING, not rowcount: with psycopg 3, SQLAlchemy reports an INSERT's rowcount as -1,
    # which made every event look like a redelivery (and every job run look done) on PostgreSQL.
    return maker(table).on_conflict_do_nothing().returning(key)


class ProcessedEvents:
    """Remembers which platform events have had their effect."""

    def __init__(self, connection: Statements) -> None:
        self._c = connection

    async def first_time(self, channel: str, event_id: str, at: datetime) -> bool:
        """Record the event; False when it was recorded before (a redelivery)."""
        return await insert_once(
            self._c, processed_events, channel=channel, event_id=event_id, at=at
        )

    async def purge(self, before: datetime) -> None:
        """Forget event ids older than any redelivery can be."""
        await self._c.execute(delete(processed_events).where(processed_events.c.at < before))


class JobLedger:
    """Remembers which (job, period) pairs have run, and which one-off reminders went out."""

    def __init__(self, connection: Statements) -> None:
        self._c = connection

    async def first_time(self, job: str, period: str, at: datetime) -> bool:
        """Claim ``period`` of ``job``; False when it already ran."""
        return await insert_once(self._c, job_runs, job=job, period=period[:64], at=at)

    async def has_run(self, job: str, period: str) -> bool:
        """True when ``period`` of ``job`` is recorded."""
        query = select(job_runs.c.at).where(job_runs.c.job == job, job_runs.c.period == period)
        return (await self._c.execute(query)).first() is not None
