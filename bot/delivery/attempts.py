"""One attempt at one outbox message: resolve where it goes, send it, record what came of it."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot import metrics
from bot.channels.events import Address
from bot.channels.parts import Placement
from bot.channels.replies import Outgoing, Reply
from bot.delivery.outages import DeliveryHealth
from bot.delivery.outcomes import Outlet, Progress, tracking
from bot.delivery.retry_policy import judge
from bot.domain.clock import Clock
from bot.settings import OutboxSettings
from bot.storage.outbox import LEASE, OutboxItem
from bot.storage.posted import CHAT_SLOT, Posted
from bot.storage.reading import reading
from bot.storage.uow_factory import UnitOfWorkFactory


class Attempts:
    """Sends an outbox message once through its channel's outlet and settles the outcome: sent
    (and where it landed), to retry later, or dead; with the backoff of ``[outbox]``."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        outlets: Mapping[str, Outlet],
        clock: Clock,
        settings: OutboxSettings,
        health: DeliveryHealth,
        stopping: Callable[[], bool],
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._uow = uow
        self._outlets = dict(outlets)
        self._clock = clock
        self._settings = settings
        self._health = health
        self._stopping = stopping
        self._jitter = jitter

    async def once(self, item: OutboxItem, follow: bool = True) -> tuple[bool, OutboxItem | None]:
        """Try ``item`` once and record the outcome: whether it was sent, and (with
        ``follow``) the recipient's next message, claimed as this one was settled."""
        outlet = self._outlets[item.reply.to.channel]
        attempts = item.attempts + 1
        done = item.reply.parts_sent if isinstance(item.reply, Reply) else ()
        progress = Progress(done, lambda ids: self._note_parts(item, ids))
        try:
            reply = await self._placed(item.reply)
            with tracking(progress):
                posted_id = await outlet.send(reply)
        except Exception as error:
            verdict = judge(error, attempts, self._settings, item.id, outlet.name, self._jitter)
            failed_at = self._clock.now()  # a wait counts from the answer, not the request
            self._health.failed(outlet.name, item.id, verdict, failed_at)
            retry = verdict.outcome == "retry"
            later = failed_at + timedelta(seconds=verdict.delay) if retry else None
            await self._settle(item, verdict.outcome, verdict.attempts, later, verdict.error)
            if verdict.unreachable:
                await self._mark_unreachable(item.reply.to)
        else:
            parts = tuple(progress.ids) or ((posted_id,) if posted_id else ())
            following = await self._settle(
                item, "sent", attempts, None, "", reply, posted_id, parts, follow=follow
            )
            return True, following
        return False, None

    async def _note_parts(self, item: OutboxItem, ids: tuple[str, ...]) -> None:
        """Keep in the row which parts went out, before the next is sent (survives a crash)."""
        assert isinstance(item.reply, Reply)
        async with self._uow.for_delivery() as uow:
            await uow.outbox.note_parts(item.id, dataclasses.replace(item.reply, parts_sent=ids))
            await uow.commit()

    async def _placed(self, reply: Outgoing) -> Outgoing:
        """Resolve slots: the platform id of the message to replace or to thread under."""
        if not isinstance(reply, Reply):
            return reply
        edit = reply.card is not None and reply.card.replaces
        slot = reply.card.slot if reply.card is not None and edit else None
        slot = slot or (reply.thread.slot if reply.thread is not None else None)
        if not slot:
            return reply
        async with reading(self._uow, delivery=True) as uow:
            found = await uow.posted.find(reply.to, slot)
        if found is None:
            return reply
        return dataclasses.replace(reply, placement=Placement(found, edit=edit))

    async def _settle(
        self,
        item: OutboxItem,
        outcome: str,
        attempts: int,
        when: datetime | None,
        error: str,
        reply: Outgoing | None = None,
        posted_id: str | None = None,
        parts: tuple[str, ...] = (),
        follow: bool = True,
    ) -> OutboxItem | None:
        """Record the outcome; after a send, claim the same recipient's next message in the same
        transaction (returned), so that one recipient's messages follow each other at once
        instead of waiting for the next claim of the whole pass."""
        channel = item.reply.to.channel
        following: list[OutboxItem] = []
        if outcome == "sent":
            self._health.delivered(channel, item.id, self._clock.now())
            waited = (self._clock.now() - item.created_at).total_seconds()
        # That a message was sent may be lost in a power cut (it would be sent again); that it
        # must be tried again, or not at all, may not.
        async with self._uow.for_delivery(durable=outcome != "sent") as uow:
            if outcome == "sent":
                now = self._clock.now()
                waits = await uow.outbox.mark_sent(item.id, now)
                if isinstance(reply, Reply):
                    await uow.posted.record_all(landed(reply, item.id, posted_id, parts, now))
                # Most often nothing else waits: a look at the index costs less than a claim.
                if follow and waits and not self._stopping():
                    following = await uow.outbox.claim(
                        (channel,), self._clock.now(), LEASE, limit=1, address=item.reply.to.user_id
                    )
            elif outcome == "dead":
                await uow.outbox.mark_dead(item.id, attempts, error)
            else:
                assert when is not None
                await uow.outbox.retry_at(item.id, attempts, when, error)
            await uow.commit()
        # Counted once recorded: a delivery counted is one the backlog no longer holds.
        metrics.DELIVERIES.inc(channel, outcome)
        if outcome == "sent":
            metrics.DELIVERY_SECONDS.observe(max(waited, 0.0))
        return following[0] if following else None

    async def _mark_unreachable(self, address: Address) -> None:
        async with self._uow.for_delivery() as uow:
            member = await uow.members.by_address(address)
            if member is not None and member.id is not None:
                await uow.members.mark_unreachable(member.id)
            await uow.commit()


def landed(
    reply: Reply, item_id: int, posted_id: str | None, parts: tuple[str, ...], at: datetime
) -> list[Posted]:
    """Where a sent reply landed, to remember: its card's slot (to replace it later), every
    part in a member's chat (so that /wipe can take the bot's messages back), and a copy's
    parts (a coordinator's view of an account, to take back later)."""
    records = []
    if reply.card is not None and posted_id:
        records.append(Posted(reply.to, reply.card.slot, posted_id, at, reply.concern))
    if reply.thread is None:
        records += [
            Posted(reply.to, f"{CHAT_SLOT}{item_id}:{index}", part_id, at)
            for index, part_id in enumerate(parts)
        ]
    if reply.copy is not None:
        records += [
            Posted(reply.to, f"{reply.copy.slot}:{index}", part_id, at, reply.concern)
            for index, part_id in enumerate(parts)
        ]
    return records
