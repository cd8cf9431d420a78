"""The outbox's statements made for every message: built once, with parameters (building one
costs more than running it)."""

from __future__ import annotations

import functools

from sqlalchemy import Integer, bindparam, insert, literal, literal_column, or_, select, update
from sqlalchemy.sql.dml import ReturningUpdate, Update

from bot.storage.tables import outbox

PENDING, SENT = "pending", "sent"

ADD = insert(outbox)
WAITING = (
    select(outbox.c.id)
    .where(
        outbox.c.channel == bindparam("channel"),
        outbox.c.address == bindparam("address"),
        outbox.c.state == PENDING,
    )
    .limit(1)
)
SENT_AND_NEXT: ReturningUpdate[tuple[bool]] = (
    update(outbox)
    .where(outbox.c.id == bindparam("item"))
    .values(state=SENT, sent_at=bindparam("at"), claimed_until=None)
    .returning(
        # Written out: SQLAlchemy's SQLite compiler drops the table names inside RETURNING,
        # which would compare each column with itself. ``id <>``: PostgreSQL's subquery sees
        # the rows as they were before this statement.
        literal_column(
            "EXISTS (SELECT 1 FROM outbox AS other WHERE other.channel = outbox.channel"
            f" AND other.address = outbox.address AND other.state = '{PENDING}'"
            " AND other.id <> outbox.id)"
        )
    )
)


@functools.cache
def claim_statement(dialect: str, by_address: bool) -> Update:
    """The claim as one atomic UPDATE … RETURNING (the claim and the lease in one statement),
    built once: it is made at every delivery pass, and building it costs more than running it."""
    earlier = outbox.alias("earlier")
    blocked = (
        select(earlier.c.id)
        .where(
            earlier.c.channel == outbox.c.channel,
            earlier.c.address == outbox.c.address,
            earlier.c.order_key == outbox.c.order_key,
            earlier.c.state == PENDING,
            earlier.c.id < outbox.c.id,
        )
        .exists()
    )
    now = bindparam("now", type_=outbox.c.next_attempt_at.type)
    due = (
        select(outbox.c.id)
        .where(
            # Written into the SQL, not bound: a partial index on pending rows is then of
            # use to PostgreSQL's generic plans too (of a statement psycopg prepared).
            outbox.c.state == literal(PENDING, literal_execute=True),
            outbox.c.channel.in_(bindparam("channels", expanding=True)),
            outbox.c.next_attempt_at <= now,
            or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            ~blocked,
        )
        .order_by(outbox.c.id)
        .limit(bindparam("most", type_=Integer))
    )
    if by_address:
        due = due.where(outbox.c.address == bindparam("only"))
    if dialect == "postgresql":
        # Several instances claim side by side: rows another worker is claiming are skipped.
        due = due.with_for_update(skip_locked=True, of=outbox)
    return (
        update(outbox)
        .where(outbox.c.id.in_(due.scalar_subquery()))
        .values(
            claimed_until=bindparam("until", type_=outbox.c.claimed_until.type),
            claimed_by=bindparam("by", type_=Integer),
        )
        .returning(*outbox.c)
    )
