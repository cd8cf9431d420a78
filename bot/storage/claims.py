"""Claims on outbox rows: who holds them, renewing the ones in hand, letting go of others."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import bindparam, select, update

from bot.storage.statements import Statements
from bot.storage.tables import outbox

PENDING = "pending"
MOST_INSTANCE_ID = 2**31 - 1
"""Instance ids fit a PostgreSQL ``integer`` (and one half of a two-key advisory lock)."""


def new_instance_id() -> int:
    """A random id for a running instance (a clash among a handful is one in hundreds of
    millions, and is caught when the instance takes its lock)."""
    return 1 + secrets.randbelow(MOST_INSTANCE_ID)


class ClaimRepository:
    """The leases on pending outbox rows, by the instance that holds them."""

    def __init__(self, connection: Statements) -> None:
        self._c = connection

    async def holders(self, now: datetime) -> set[int]:
        """The instances holding a claim that has not run out by ``now``."""
        query = (
            select(outbox.c.claimed_by)
            .where(
                outbox.c.state == PENDING,
                outbox.c.claimed_until >= now,
                outbox.c.claimed_by.is_not(None),
            )
            .distinct()
        )
        return {int(owner) for owner in (await self._c.execute(query)).scalars()}

    async def release_held_by(self, owners: list[int]) -> int:
        """Drop every claim these instances hold (they are gone); how many were dropped."""
        result = await self._c.execute(
            update(outbox)
            .where(
                outbox.c.state == PENDING,
                outbox.c.claimed_by.in_(owners),
                outbox.c.claimed_until.is_not(None),
            )
            .values(claimed_until=None)
        )
        return int(result.rowcount or 0)

    async def renew(self, owner: int, item_ids: list[int], until: datetime) -> int:
        """Extend to ``until`` the claims ``owner`` still holds among ``item_ids`` (a claim
        another instance took over after it ran out stays theirs); how many were renewed."""
        result = await self._c.execute(_RENEW, {"owner": owner, "ids": item_ids, "until": until})
        return int(result.rowcount or 0)

    async def release(self, item_ids: list[int]) -> None:
        """Drop the claims on these pending messages, so any worker may send them."""
        await self._c.execute(
            update(outbox)
            .where(outbox.c.id.in_(item_ids), outbox.c.state == PENDING)
            .values(claimed_until=None)
        )

    async def release_recipient(self, channel: str, address: str) -> int:
        """Drop the leases on one recipient's pending messages, for a channel that only one
        process delivers to (a terminal killed mid-send must not hold its chat for a lease)."""
        result = await self._c.execute(
            update(outbox)
            .where(
                outbox.c.state == PENDING,
                outbox.c.channel == channel,
                outbox.c.address == address,
                outbox.c.claimed_until.is_not(None),
            )
            .values(claimed_until=None)
        )
        return int(result.rowcount or 0)


_RENEW = (
    update(outbox)
    .where(
        outbox.c.id.in_(bindparam("ids", expanding=True)),
        outbox.c.state == PENDING,
        outbox.c.claimed_by == bindparam("owner"),
        outbox.c.claimed_until.is_not(None),
    )
    .values(claimed_until=bindparam("until", type_=outbox.c.claimed_until.type))
)
