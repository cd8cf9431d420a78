"""Where the bot's own messages landed on a platform, so they can be updated or deleted."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert

from bot.channels.events import Address
from bot.domain.clock import as_utc
from bot.storage.statements import Statements
from bot.storage.tables import posted_messages

CHAT_SLOT = "chat:"
"""Every part the bot posted in a chat, ``chat:<outbox id>:<part>``, for /wipe."""


@dataclass(frozen=True)
class Posted:
    """One posted message: where, under which slot, its platform id."""

    address: Address
    slot: str
    message_id: str
    at: datetime | None = None
    reference: str | None = None
    """The concern it is about, if any (kept when the message is replaced)."""


class PostedMessages:
    """Records platform message ids by slot (such as ``alert:K7Q-M3X``)."""

    def __init__(self, connection: Statements) -> None:
        self._c = connection

    async def find(self, address: Address, slot: str) -> str | None:
        """The platform id of the message posted to ``address`` under ``slot``."""
        query = select(posted_messages.c.message_id).where(
            posted_messages.c.channel == address.channel,
            posted_messages.c.address == address.user_id,
            posted_messages.c.slot == slot,
        )
        row = (await self._c.execute(query)).first()
        return None if row is None else str(row.message_id)

    async def at(self, address: Address, message_id: str) -> Posted | None:
        """The recorded message with this platform id in ``address``'s chat, if any, under the
        slot that says what it is (not the ``chat:`` record every message has)."""
        query = select(posted_messages).where(
            posted_messages.c.channel == address.channel,
            posted_messages.c.address == address.user_id,
            posted_messages.c.message_id == message_id,
            ~posted_messages.c.slot.startswith(CHAT_SLOT, autoescape=True),
        )
        row = (await self._c.execute(query)).first()
        if row is None:
            return None
        return Posted(address, row.slot, row.message_id, as_utc(row.at))

    async def record(
        self, address: Address, slot: str, message_id: str, reference: str | None, at: datetime
    ) -> None:
        """Remember (or replace) the message posted under ``slot``."""
        await self.record_all([Posted(address, slot, message_id, at, reference)])

    async def record_all(self, posted: Sequence[Posted]) -> None:
        """Remember (or replace) each of these messages (``at`` given), in one statement: a
        sent reply's parts are recorded together."""
        if not posted:
            return
        rows = {
            (p.address, p.slot): {
                "channel": p.address.channel,
                "address": p.address.user_id,
                "slot": p.slot,
                "message_id": p.message_id,
                "concern_reference": p.reference,
                "at": p.at,
            }
            for p in posted
        }  # one row per slot: PostgreSQL refuses a statement that updates a row twice
        await self._c.execute(_upsert(self._c.dialect.name), list(rows.values()))

    async def of_concern(self, reference: str) -> list[Posted]:
        """Every message the bot posted about a concern."""
        query = select(posted_messages).where(posted_messages.c.concern_reference == reference)
        return [
            Posted(Address(r.channel, r.address), r.slot, r.message_id, as_utc(r.at))
            for r in await self._c.execute(query)
        ]

    async def in_slot(self, slot: str) -> list[Posted]:
        """Every message recorded under exactly ``slot``, in any chat."""
        query = select(posted_messages).where(posted_messages.c.slot == slot)
        return [
            Posted(Address(r.channel, r.address), r.slot, r.message_id, as_utc(r.at))
            for r in await self._c.execute(query)
        ]

    async def shown_between(self, prefix: str, since: datetime, until: datetime) -> list[Posted]:
        """Messages under slots starting with ``prefix``, posted from ``since`` to ``until``."""
        query = select(posted_messages).where(
            posted_messages.c.slot.startswith(prefix, autoescape=True),
            posted_messages.c.at >= since,
            posted_messages.c.at <= until,
        )
        return [
            Posted(Address(r.channel, r.address), r.slot, r.message_id, as_utc(r.at))
            for r in await self._c.execute(query)
        ]

    async def forget(self, address: Address, slots: list[str]) -> None:
        """Drop the records of these messages (after they were deleted)."""
        await self._c.execute(
            delete(posted_messages).where(
                posted_messages.c.channel == address.channel,
                posted_messages.c.address == address.user_id,
                posted_messages.c.slot.in_(slots),
            )
        )

    async def in_chat(self, address: Address, prefix: str) -> list[Posted]:
        """Every recorded message in ``address``'s chat under a slot starting with ``prefix``."""
        query = select(posted_messages).where(
            posted_messages.c.channel == address.channel,
            posted_messages.c.address == address.user_id,
            posted_messages.c.slot.startswith(prefix, autoescape=True),
        )
        return [
            Posted(address, r.slot, r.message_id, as_utc(r.at))
            for r in await self._c.execute(query)
        ]

    async def forget_in_chat(
        self, address: Address, prefix: str, before: datetime | None = None
    ) -> None:
        """Drop the records in ``address``'s chat under ``prefix`` (posted before ``before``)."""
        where = (
            (posted_messages.c.channel == address.channel)
            & (posted_messages.c.address == address.user_id)
            & posted_messages.c.slot.startswith(prefix, autoescape=True)
        )
        if before is not None:
            where = where & (posted_messages.c.at < before)
        await self._c.execute(delete(posted_messages).where(where))

    async def forget_everywhere(self, prefix: str, before: datetime) -> None:
        """Drop the records under ``prefix`` in every chat, posted before ``before``."""
        where = posted_messages.c.slot.startswith(prefix, autoescape=True) & (
            posted_messages.c.at < before
        )
        await self._c.execute(delete(posted_messages).where(where))

    async def forget_concern(self, reference: str) -> None:
        """Drop the records of a concern's messages (after they were deleted)."""
        await self._c.execute(
            delete(posted_messages).where(posted_messages.c.concern_reference == reference)
        )


@functools.cache
def _upsert(dialect: str) -> Insert:
    # One statement, not an update then an insert: a sent reply's parts are new slots, and
    # this runs for every message the bot sends. A replaced message keeps its concern.
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = maker(posted_messages)
    return statement.on_conflict_do_update(
        index_elements=[
            posted_messages.c.channel,
            posted_messages.c.address,
            posted_messages.c.slot,
        ],
        set_={"message_id": statement.excluded.message_id, "at": statement.excluded.at},
    )
