"""Aggregate counts over concerns, computed in the database (no free text is read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.model import Status
from bot.storage.tables import concerns


@dataclass(frozen=True)
class NetworkStats:
    """Counts for a coordinator's overview."""

    open: int
    overdue: int
    acute_open: int
    shared_since: int
    closed_since: int
    acknowledged_since: int
    acknowledged_in_time_since: int


class StatsQueries:
    """Aggregate queries on concerns."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def network(self, network_id: str, now: datetime, since: datetime) -> NetworkStats:
        """Counts for ``network_id``: open and overdue now, activity since ``since``."""
        c = concerns.c
        is_open = c.status != Status.CLOSED.value
        overdue = and_(
            is_open,
            case(
                (c.status == Status.RECEIVED.value, c.acknowledge_due < now),
                else_=c.feedback_due < now,
            ),
        )

        def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        query = select(
            count_if(is_open),
            count_if(overdue),
            count_if(and_(is_open, c.acute.is_(True))),
            count_if(c.created_at >= since),
            count_if(and_(c.closed_at.is_not(None), c.closed_at >= since)),
            count_if(and_(c.acknowledged_at.is_not(None), c.created_at >= since)),
            count_if(
                and_(
                    c.acknowledged_at.is_not(None),
                    c.created_at >= since,
                    c.acknowledged_at <= c.acknowledge_due,
                )
            ),
        ).where(c.network_id == network_id)
        row = (await self._c.execute(query)).one()
        return NetworkStats(*(int(v) for v in row))
