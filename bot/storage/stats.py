"""Aggregate counts over concerns, computed in the database (no free text is read)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    String,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from bot.domain.model import Status
from bot.storage.statements import Statements
from bot.storage.tables import Stamp, concerns, usefulness


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


@dataclass
class PeriodCounts:
    """The counts of a digest's period: shared by subject and by setting, shared in the period
    before, acknowledged (within the deadline), closed by outcome, usefulness answers."""

    subjects: Counter[str] = field(default_factory=Counter)
    settings: Counter[str] = field(default_factory=Counter)
    previous_total: int = 0
    acknowledged: int = 0
    acknowledged_in_time: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    useful: Counter[str] = field(default_factory=Counter)

    def add(self, part: str, key: str | None, detail: str | None, n: int, more: list[int]) -> None:
        """Take in one row of ``StatsQueries.period``."""
        if part == "useful" and key is not None:
            self.useful[key] += n
        elif part == "closed" and key is not None:
            self.outcomes[key] += n
        elif part == "shared" and key is not None and detail is not None:
            if n:
                self.subjects[key] += n
                self.settings[detail] += n
            self.previous_total += more[0]
            self.acknowledged += more[1]
            self.acknowledged_in_time += more[2]


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(condition)


def _period_statement() -> Executable:
    c, u = concerns.c, usefulness.c
    network_id = bindparam("network_id", type_=String)
    previous, start, end = (bindparam(n, type_=Stamp) for n in ("previous", "start", "end"))
    now = c.created_at >= start
    acknowledged = and_(now, c.acknowledged_at.is_not(None))
    zero = literal_column("0", Integer)
    shared = (
        select(
            literal_column("'shared'"),
            c.subject,
            c.setting,
            _count_if(now),
            _count_if(c.created_at < start),
            _count_if(acknowledged),
            _count_if(and_(acknowledged, c.acknowledged_at <= c.acknowledge_due)),
        )
        .where(c.network_id == network_id, c.created_at >= previous, c.created_at < end)
        .group_by(c.subject, c.setting)
    )
    closed = (
        select(literal_column("'closed'"), c.outcome, null(), func.count(), zero, zero, zero)
        .where(c.network_id == network_id, c.closed_at >= start, c.closed_at < end)
        .group_by(c.outcome)
    )
    useful = (
        select(literal_column("'useful'"), u.answer, null(), func.count(), zero, zero, zero)
        .where(u.network_id == network_id, u.at >= start, u.at < end)
        .group_by(u.answer)
    )
    return union_all(shared, closed, useful)


_PERIOD = _period_statement()
"""Built once, with bound parameters: building a statement of this size takes about as long
as the database takes to count a quiet week."""


class StatsQueries:
    """Aggregate queries on concerns."""

    def __init__(self, connection: Statements) -> None:
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
        query = select(
            _count_if(is_open),
            _count_if(overdue),
            _count_if(and_(is_open, c.acute.is_(True))),
            _count_if(c.created_at >= since),
            _count_if(and_(c.closed_at.is_not(None), c.closed_at >= since)),
            _count_if(and_(c.acknowledged_at.is_not(None), c.created_at >= since)),
            _count_if(
                and_(
                    c.acknowledged_at.is_not(None),
                    c.created_at >= since,
                    c.acknowledged_at <= c.acknowledge_due,
                )
            ),
        ).where(c.network_id == network_id)
        row = (await self._c.execute(query)).one()
        return NetworkStats(*(int(v) for v in row))

    async def period(
        self, network_id: str, previous: datetime, start: datetime, end: datetime
    ) -> PeriodCounts:
        """Every count a digest shows for ``[start, end)``, with the concerns shared in
        ``[previous, start)``: one statement, one pass over each index range it needs."""
        values = {"network_id": network_id, "previous": previous, "start": start, "end": end}
        counts = PeriodCounts()
        for part, key, detail, n, *more in await self._c.execute(_PERIOD, values):
            counts.add(str(part), key, detail, int(n), [int(m) for m in more])
        return counts

    async def usefulness(self, network_id: str, start: datetime, end: datetime) -> dict[str, int]:
        """Reporters' answers to 'was sharing useful?' given in ``[start, end)``."""
        u = usefulness.c
        query = (
            select(u.answer, func.count())
            .where(u.network_id == network_id, u.at >= start, u.at < end)
            .group_by(u.answer)
        )
        return {str(k): int(n) for k, n in await self._c.execute(query)}

    async def remarks(self, network_id: str, start: datetime, end: datetime) -> int:
        """How many of the usefulness answers given in ``[start, end)`` came with a remark."""
        u = usefulness.c
        query = select(func.count()).where(
            u.network_id == network_id, u.at >= start, u.at < end, u.remark_enc.is_not(None)
        )
        return int((await self._c.execute(query)).scalar_one())
