"""The send budget every instance shares on PostgreSQL: one row per channel holds the
theoretical arrival time (GCRA) of the channel's next free send slot, and a lease moves it on
by a few slots in one statement.

Slot times are the database's clock (``clock_timestamp()``, read after the row lock is held),
so instances whose own clocks disagree still draw slots from one time line."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

RECENT = timedelta(minutes=10)
"""An instance that leased within this time counts as one that may be sending."""
MOST_AHEAD = timedelta(seconds=5)
"""The row is never further ahead of the database's clock than this (plus the lease): should
that clock step back, the budget forgets the slots handed out, rather than stall sending."""

# Every ``now`` is the database's clock unless a test gives one (:at); SET clauses are
# evaluated once the row is locked, so a lease that queued behind another sees a later now.
_NOW = "COALESCE(CAST(:at AS timestamptz), clock_timestamp())"
LEASE = text(
    f"""
    WITH seen AS (
        INSERT INTO send_budget_holders AS h (channel, instance, seen_at)
        VALUES (:channel, :instance, {_NOW})
        ON CONFLICT (channel, instance) DO UPDATE SET seen_at = excluded.seen_at
    ), gone AS (
        DELETE FROM send_budget_holders
        WHERE channel = :channel AND instance <> :instance AND seen_at < {_NOW} - :forget
    ), lease AS (
        INSERT INTO send_budgets AS b (channel, tat) VALUES (:channel, {_NOW} + :span)
        ON CONFLICT (channel) DO UPDATE
        SET tat = LEAST(GREATEST(b.tat, {_NOW}), {_NOW} + :most_ahead) + :span
        RETURNING b.tat, {_NOW} AS now
    )
    SELECT lease.tat, lease.now, 1 + (
        SELECT count(*) FROM send_budget_holders
        WHERE channel = :channel AND instance <> :instance AND seen_at > lease.now - :recent
    ) AS holders
    FROM lease
    """
)


@dataclass(frozen=True)
class Leased:
    """What a lease gave: its slots end ``ahead`` seconds after the database's now."""

    ahead: float
    holders: int
    """Instances that leased lately, this one included."""


class SendBudgetLedger:
    """Leases spans of one channel's send slots from the shared row."""

    def __init__(
        self,
        engine: AsyncEngine,
        channel: str,
        instance: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._engine = engine
        self.channel = channel
        self.instance = instance or uuid.uuid4().hex
        self._clock = clock

    async def lease(self, span: float) -> Leased:
        """Take the next ``span`` seconds of slots (after every span already leased)."""
        params = {
            "channel": self.channel,
            "instance": self.instance,
            "at": self._clock() if self._clock is not None else None,
            "span": timedelta(seconds=span),
            "most_ahead": MOST_AHEAD,
            "recent": RECENT,
            "forget": timedelta(days=1),
        }
        async with self._engine.connect() as connection:
            # A lost lease costs a few wasted slots, not a wrong one: no need to wait for the
            # disk. The statement timeout keeps a stuck row lock from stalling every send.
            await connection.exec_driver_sql(
                "SET LOCAL synchronous_commit = off; SET LOCAL statement_timeout = 2000"
            )
            row = (await connection.execute(LEASE, params)).one()
            await connection.commit()
        return Leased((row.tat - row.now).total_seconds(), int(row.holders))
