"""Outbox rows: messages written with the change that caused them, delivered later."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from bot.channels.events import Address
from bot.channels.replies import HomeView, Outgoing, Reply, outgoing_from_payload
from bot.domain.clock import as_utc
from bot.storage.crypto import Cipher
from bot.storage.ids import new_id
from bot.storage.outbox_home import HOME_KEY, replace_waiting, settled
from bot.storage.outbox_statements import (
    ADD,
    PENDING,
    SENT,
    SENT_AND_NEXT,
    WAITING,
    claim_statement,
)
from bot.storage.statements import Statements
from bot.storage.tables import outbox

_PAYLOAD = "outbox.payload"
DEAD = "dead"
__all__ = ["DEAD", "LEASE", "PENDING", "SENT", "OutboxItem", "OutboxRepository", "order_key"]
LEASE = timedelta(seconds=60)
"""How long a claim holds a message; after that another worker may take it over."""


def order_key(reply: Outgoing) -> str:
    """What a message keeps its order within, for its recipient.

    A recipient's messages go out in the order they were written, with one exception: the
    cards a channel gets about different concerns (alerts and their threads, each a message of
    its own, updated in place) may pass each other, so that a burst of alerts to one channel
    goes out side by side. A concern's own card and thread stay in order (they share its
    reference, which is a pseudonymous code, no content)."""
    if isinstance(reply, HomeView):  # a page, not a message: an order of its own
        return HOME_KEY
    if isinstance(reply, Reply) and (reply.card is not None or reply.thread is not None):
        return (reply.concern or "")[:64]
    return ""


@dataclass(frozen=True)
class OutboxItem:
    """A claimed message, ready to send."""

    id: int
    reply: Outgoing
    attempts: int
    created_at: datetime


class OutboxRepository:
    """Adds, claims and settles outbox rows."""

    def __init__(self, connection: Statements, cipher: Cipher, owner: int | None = None) -> None:
        self._c = connection
        self._cipher = cipher
        self._owner = owner  # the running instance whose claims these are (bot.delivery.instances)

    async def add(
        self, reply: Outgoing, now: datetime, claimed_until: datetime | None = None
    ) -> int:
        """Queue ``reply``; returns the row id. With ``claimed_until`` the row is claimed as it
        is written: the caller sends it itself once its transaction is committed. A home view
        takes the place of one still waiting (see ``bot.storage.outbox_home``)."""
        payload = json.dumps(reply.to_payload(), ensure_ascii=False)
        sealed = self._cipher.seal(payload, _PAYLOAD)
        if isinstance(reply, HomeView) and claimed_until is None:
            waiting = await replace_waiting(self._c, reply.to, sealed)
            if waiting is not None:
                return waiting
        values = {
            "channel": reply.to.channel,
            "address": reply.to.user_id,
            "payload_enc": sealed,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": settled(reply, now) if isinstance(reply, HomeView) else now,
            "created_at": now,
            "claimed_until": claimed_until,
            "claimed_by": None if claimed_until is None else self._owner,
            "order_key": order_key(reply),
        }
        return new_id(await self._c.execute(ADD, values))

    async def waiting(self, to: Address) -> bool:
        """True when a message to ``to`` is still pending (due, later, or being sent)."""
        values = {"channel": to.channel, "address": to.user_id}
        return (await self._c.execute(WAITING, values)).first() is not None

    async def claim(
        self,
        channels: tuple[str, ...],
        now: datetime,
        lease: timedelta,
        limit: int = 50,
        address: str | None = None,
    ) -> list[OutboxItem]:
        """Claim due messages, only the oldest pending one per recipient (keeps their order)."""
        statement = claim_statement(self._c.dialect.name, address is not None)
        values = {
            "channels": list(channels),
            "now": now,
            "until": now + lease,
            "most": limit,
            "only": address,
            "by": self._owner,
        }
        rows = sorted(await self._c.execute(statement, values), key=lambda r: r.id)
        if not rows:
            return []
        return [
            OutboxItem(
                id=r.id,
                reply=outgoing_from_payload(
                    Address(r.channel, r.address),
                    json.loads(self._cipher.open(r.payload_enc, _PAYLOAD)),
                ),
                attempts=r.attempts,
                created_at=as_utc(r.created_at),
            )
            for r in rows
        ]

    async def mark_sent(self, item_id: int, now: datetime) -> bool:
        """Record a successful delivery; True when another message to the same recipient is
        still pending (asked in the same statement: one round trip fewer per message)."""
        row = (await self._c.execute(SENT_AND_NEXT, {"item": item_id, "at": now})).first()
        return bool(row is not None and row[0])

    async def note_parts(self, item_id: int, reply: Outgoing) -> None:
        """Store ``reply`` again with the parts already delivered (``parts_sent``)."""
        payload = json.dumps(reply.to_payload(), ensure_ascii=False)
        await self._settle(item_id, payload_enc=self._cipher.seal(payload, _PAYLOAD))

    async def retry_at(self, item_id: int, attempts: int, when: datetime, error: str) -> None:
        """Put the message back for another attempt at ``when``."""
        await self._settle(
            item_id, attempts=attempts, next_attempt_at=when, claimed_until=None, last_error=error
        )

    async def mark_dead(self, item_id: int, attempts: int, error: str) -> None:
        """Give up on the message (a dead letter)."""
        await self._settle(
            item_id, state=DEAD, attempts=attempts, claimed_until=None, last_error=error
        )

    async def pending_count(self, channel: str | None = None, address: str | None = None) -> int:
        """How many messages wait for delivery (optionally for one channel or recipient)."""
        query = select(func.count()).select_from(outbox).where(outbox.c.state == PENDING)
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        if address is not None:
            query = query.where(outbox.c.address == address)
        return int((await self._c.execute(query)).scalar_one())

    async def dead_count(self) -> int:
        """How many messages were given up on."""
        query = select(func.count()).select_from(outbox).where(outbox.c.state == DEAD)
        return int((await self._c.execute(query)).scalar_one())

    async def next_due(self, channels: tuple[str, ...], address: str | None) -> datetime | None:
        """When the earliest pending message becomes due, if any."""
        query = select(func.min(outbox.c.next_attempt_at)).where(
            and_(outbox.c.state == PENDING, outbox.c.channel.in_(channels))
        )
        if address is not None:
            query = query.where(outbox.c.address == address)
        value = (await self._c.execute(query)).scalar_one()
        return None if value is None else as_utc(value)

    async def purge(self, sent_before: datetime, dead_before: datetime) -> int:
        """Delete delivered rows older than ``sent_before`` and dead letters older than
        ``dead_before`` (their sealed payloads included); returns how many went."""
        result = await self._c.execute(
            delete(outbox).where(
                or_(
                    and_(outbox.c.state == SENT, outbox.c.sent_at < sent_before),
                    and_(outbox.c.state == DEAD, outbox.c.created_at < dead_before),
                )
            )
        )
        return int(result.rowcount or 0)

    async def _settle(self, item_id: int, **values: object) -> None:
        await self._c.execute(update(outbox).where(outbox.c.id == item_id).values(**values))
