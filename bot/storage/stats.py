"""Aggregate counts over concerns, computed in the database (no free text is read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.model import Status
from bot.storage.tables import concerns, usefulness


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

    async def shared_by(
        self, network_id: str, column: str, start: datetime, end: datetime
    ) -> dict[str, int]:
        """Concerns shared in ``[start, end)`` counted by ``subject`` or ``setting``."""
        key = concerns.c[column]
        query = (
            select(key, func.count())
            .where(
                concerns.c.network_id == network_id,
                concerns.c.created_at >= start,
                concerns.c.created_at < end,
            )
            .group_by(key)
        )
        return {str(k): int(n) for k, n in await self._c.execute(query)}

    async def acknowledgement(
        self, network_id: str, start: datetime, end: datetime
    ) -> tuple[int, int]:
        """Of the concerns shared in ``[start, end)``: how many were acknowledged, and how many
        of those within their deadline."""
        c = concerns.c
        acknowledged = c.acknowledged_at.is_not(None)
        in_time = and_(acknowledged, c.acknowledged_at <= c.acknowledge_due)
        query = select(
            func.coalesce(func.sum(case((acknowledged, 1), else_=0)), 0),
            func.coalesce(func.sum(case((in_time, 1), else_=0)), 0),
        ).where(c.network_id == network_id, c.created_at >= start, c.created_at < end)
        row = (await self._c.execute(query)).one()
        return int(row[0]), int(row[1])

    async def outcomes(self, network_id: str, start: datetime, end: datetime) -> dict[str, int]:
        """Concerns closed in ``[start, end)`` counted by outcome."""
        c = concerns.c
        query = (
            select(c.outcome, func.count())
            .where(c.network_id == network_id, c.closed_at >= start, c.closed_at < end)
            .group_by(c.outcome)
        )
        return {str(k): int(n) for k, n in await self._c.execute(query) if k is not None}

    async def usefulness(self, network_id: str, start: datetime, end: datetime) -> dict[str, int]:
        """Reporters' answers to 'was sharing useful?' given in ``[start, end)``."""
        u = usefulness.c
        query = (
            select(u.answer, func.count())
            .where(u.network_id == network_id, u.at >= start, u.at < end)
            .group_by(u.answer)
        )
        return {str(k): int(n) for k, n in await self._c.execute(query)}
