"""Counters in fixed time windows, for throttling (e.g. wrong invite codes)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, text, update

from bot.domain.clock import as_utc
from bot.storage.statements import Statements
from bot.storage.tables import attempts

# The token bucket is read and written at every turn: statements built once, with parameters.
_BUCKET = select(attempts).where(attempts.c.key == bindparam("bucket"))
_REFILL = (
    update(attempts)
    .where(attempts.c.key == bindparam("bucket"))
    .values(window_start=bindparam("refilled"), count=bindparam("left"))
)

# PostgreSQL takes a token in one statement, the row locked (another instance's turn of the
# same sender waits for it instead of taking the same token): one round trip, not two. The
# refill is capped before it becomes an integer: a year's refill overflows one.
_TAKE = text(
    """
    UPDATE attempts SET window_start = :now,
        count = bucket.tokens - CASE WHEN bucket.tokens >= 1000 THEN 1000 ELSE 0 END
    FROM (
        SELECT key, LEAST(:full, count + floor(
            GREATEST(EXTRACT(EPOCH FROM (:now - window_start)), 0) * :milli_per_second
        ))::integer AS tokens
        FROM attempts WHERE key = :bucket FOR UPDATE
    ) AS bucket
    WHERE attempts.key = bucket.key
    RETURNING bucket.tokens >= 1000
    """
).bindparams(
    bindparam("now", type_=attempts.c.window_start.type),
    bindparam("full", type_=attempts.c.count.type),
)


class AttemptCounter:
    """Counts attempts per key within a window that restarts when it has passed."""

    def __init__(self, connection: Statements) -> None:
        self._c = connection

    async def count(self, key: str, window: timedelta, now: datetime) -> int:
        """How many attempts ``key`` made in the current window."""
        row = (await self._c.execute(select(attempts).where(attempts.c.key == key))).first()
        if row is None or as_utc(row.window_start) + window <= now:
            return 0
        return int(row._mapping["count"])

    async def window_end(self, key: str, window: timedelta, now: datetime) -> datetime | None:
        """When ``key``'s current window ends; None when it has none running."""
        row = (await self._c.execute(select(attempts).where(attempts.c.key == key))).first()
        if row is None or as_utc(row.window_start) + window <= now:
            return None
        return as_utc(row.window_start) + window

    async def hit(self, key: str, window: timedelta, now: datetime) -> int:
        """Count one more attempt; returns the count in the current window."""
        current = await self.count(key, window, now)
        if current == 0:
            exists = (
                await self._c.execute(select(attempts.c.key).where(attempts.c.key == key))
            ).first()
            values = {"window_start": now, "count": 1}
            if exists is None:
                await self._c.execute(insert(attempts).values(key=key, **values))
            else:
                await self._c.execute(
                    update(attempts).where(attempts.c.key == key).values(**values)
                )
            return 1
        await self._c.execute(
            update(attempts).where(attempts.c.key == key).values(count=current + 1)
        )
        return current + 1

    async def take_token(self, key: str, capacity: int, per_second: float, now: datetime) -> bool:
        """Token bucket: refill at ``per_second`` up to ``capacity``; take one if there is one.

        Tokens are stored in thousandths in ``count``; ``window_start`` is the last refill."""
        if self._c.dialect.name == "postgresql":
            values = {"bucket": key, "now": now, "full": capacity * 1000}
            taken = await self._c.execute(_TAKE, {**values, "milli_per_second": per_second * 1000})
            row = taken.first()
            if row is not None:
                return bool(row[0])
        else:
            row = (await self._c.execute(_BUCKET, {"bucket": key})).first()
            if row is not None:
                elapsed = max((now - as_utc(row.window_start)).total_seconds(), 0.0)
                stored = int(row._mapping["count"])
                tokens = min(capacity * 1000, stored + int(elapsed * per_second * 1000))
                allowed = tokens >= 1000
                left = tokens - 1000 if allowed else tokens
                await self._c.execute(_REFILL, {"bucket": key, "refilled": now, "left": left})
                return allowed
        await self._c.execute(
            insert(attempts).values(key=key, window_start=now, count=(capacity - 1) * 1000)
        )
        return True
