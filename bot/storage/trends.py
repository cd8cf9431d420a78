"""The counts /trends shows, month by month: concerns per network and breakdown, the times to
acknowledge and to close, usefulness answers. Only keys and moments are read, no free text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, Subquery, and_, case, func, literal, select

from bot.domain.clock import as_utc
from bot.storage.statements import Statements
from bot.storage.tables import concerns, usefulness

BREAKDOWNS = ("organisation", "subject", "setting", "area")
"""The columns concerns are broken down by (the organisation is ``organisation_id``)."""


@dataclass
class TrendRows:
    """What the trends of some networks are made of, by month index (0: the oldest month)."""

    cells: Counter[tuple[str, str, int, str]] = field(default_factory=Counter)
    """Concerns per (breakdown, network, month, key as stored; area "" where not asked)."""
    totals: Counter[tuple[str, int]] = field(default_factory=Counter)
    """Concerns per (network, month)."""
    to_acknowledge: dict[tuple[str, int], list[timedelta]] = field(default_factory=dict)
    """Per (network, month shared): how long each acknowledged concern waited."""
    to_close: dict[tuple[str, int], list[timedelta]] = field(default_factory=dict)
    """Per (network, month closed): how long each closed concern was open."""
    useful: Counter[tuple[str, int, str]] = field(default_factory=Counter)
    """Usefulness answers per (network, month answered, answer)."""


def month_index(moment: ColumnElement[datetime], starts: Sequence[datetime]) -> ColumnElement[int]:
    """The index of the month ``moment`` falls in: how many month starts after the first it is
    at or past (computed in the database, the same in SQLite and PostgreSQL)."""
    return sum(
        (case((moment >= start, 1), else_=0) for start in starts[1:]),
        literal(0, Integer),
    )


def _grouped(inner: Subquery) -> Select[tuple[Any, ...]]:
    """Counts per (network, month, key) of ``inner`` (grouped outside it: PostgreSQL groups an
    expression with bound parameters only by a column of a subquery)."""
    return select(inner.c.network_id, inner.c.m, inner.c.key, func.count()).group_by(
        inner.c.network_id, inner.c.m, inner.c.key
    )


class TrendQueries:
    """The month-by-month counts of /trends."""

    def __init__(self, connection: Statements) -> None:
        self._c = connection

    async def rows(
        self, network_ids: Sequence[str], starts: Sequence[datetime], end: datetime
    ) -> TrendRows:
        """Counts for the months beginning at ``starts`` (the last ending at ``end``)."""
        c, u = concerns.c, usefulness.c
        result = TrendRows()
        shared = and_(c.network_id.in_(network_ids), c.created_at >= starts[0], c.created_at < end)
        month = month_index(c.created_at, starts)
        for name in BREAKDOWNS:
            column = c.organisation_id if name == "organisation" else c[name]
            inner = select(c.network_id, month.label("m"), column.label("key")).where(shared)
            for network, m, key, n in await self._c.execute(_grouped(inner.subquery())):
                result.cells[(name, str(network), int(m), str(key or ""))] += int(n)
                if name == "subject":
                    result.totals[(str(network), int(m))] += int(n)
        acknowledged = select(c.network_id, month, c.created_at, c.acknowledged_at).where(
            shared, c.acknowledged_at.is_not(None)
        )
        for network, m, created, at in await self._c.execute(acknowledged):
            waited = as_utc(at) - as_utc(created)
            result.to_acknowledge.setdefault((str(network), int(m)), []).append(waited)
        closed = select(
            c.network_id, month_index(c.closed_at, starts), c.created_at, c.closed_at
        ).where(c.network_id.in_(network_ids), c.closed_at >= starts[0], c.closed_at < end)
        for network, m, created, at in await self._c.execute(closed):
            result.to_close.setdefault((str(network), int(m)), []).append(
                as_utc(at) - as_utc(created)
            )
        answered = select(u.network_id, month_index(u.at, starts).label("m"), u.answer.label("key"))
        answered = answered.where(u.network_id.in_(network_ids), u.at >= starts[0], u.at < end)
        for network, m, answer, n in await self._c.execute(_grouped(answered.subquery())):
            result.useful[(str(network), int(m), str(answer))] += int(n)
        return result
