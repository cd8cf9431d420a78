"""The outbox worker: delivers committed messages in order, with backoff, never losing one."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.app import metrics
from bot.app.config import OutboxSettings
from bot.channels.events import Address
from bot.channels.parts import Placement
from bot.channels.replies import Outgoing, Reply
from bot.delivery.instances import Hand
from bot.delivery.outages import DeliveryHealth
from bot.delivery.outcomes import Outlet, Progress, tracking
from bot.delivery.retry_policy import judge
from bot.domain.clock import Clock
from bot.storage.outbox import LEASE, OutboxItem
from bot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


class Deliverer:
    """Claims due outbox rows for its outlets and sends them; ``address`` limits it to one user."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        outlets: Mapping[str, Outlet],
        clock: Clock,
        settings: OutboxSettings,
        address: str | None = None,
        jitter: Callable[[], float] = random.random,
        health: DeliveryHealth | None = None,
    ) -> None:
        self._uow = uow
        self._outlets = dict(outlets)
        self._clock = clock
        self._settings = settings
        self._address = address
        self._jitter = jitter
        self._health = health or DeliveryHealth(settings.outage_report_seconds)
        for channel in self._outlets:
            self._health.watch(channel)
        self._wake = asyncio.Event()
        self._stopping = False
        self._running = False
        self._pass = asyncio.Lock()
        self.hand = Hand()  # what it has claimed and is sending: renewed by bot.delivery.instances

    def wake(self) -> None:
        """Tell the worker new messages were committed."""
        self._wake.set()

    def stop(self) -> None:
        """Ask ``run`` to finish after the current pass."""
        self._stopping = True
        self._wake.set()

    async def deliver_due(self) -> int:
        """Deliver everything due now; returns how many messages were handled.

        At most ``[outbox] max_in_flight`` messages are claimed and not yet settled at a time:
        a claimed message waits its turn under the channel's send limit, and must be sent
        well within its lease, or another instance could take it over and send it again.
        More are claimed as sends finish, so the channel is never left idle between batches.
        A call made while ``run`` is in a pass waits for that pass: on return, nothing due
        is still on its way (the terminal chat reads the next line only then); a pass of
        ``run`` claims nothing more once ``stop`` was called."""
        async with self._pass:
            most = max(self._settings.max_in_flight, 1)
            handled = 0
            sending: set[asyncio.Task[int]] = set()
            full = True  # the last claim got all it asked for: more are likely waiting
            failure: BaseException | None = None
            woken_up: asyncio.Task[bool] | None = None
            try:
                while True:
                    room = most - len(sending)
                    # A claim is one query: made when half the room is free, not after every
                    # send; and once nothing is in flight, as a sent message may have let the
                    # same recipient's next one become due.
                    topping_up = full and room >= max(most // 2, 1)
                    # Committed meanwhile (a turn's reply, an alert): claimed now, not later.
                    woken = self._wake.is_set() and room > 0
                    stopped = self._running and self._stopping
                    if failure is None and not stopped and (topping_up or woken or not sending):
                        if self._running:
                            self._wake.clear()
                        items = await self._claim(room)
                        full = len(items) == room
                        # The claim holds only one message per recipient, and a recipient's
                        # next one stays blocked until this one is settled: sending side by
                        # side keeps each recipient's order while a slow chat (rate limit)
                        # does not hold up the others.
                        sending.update(asyncio.create_task(self._deliver(i)) for i in items)
                    if not sending:
                        if failure is not None:
                            raise failure
                        return handled
                    waiting_for: set[asyncio.Task[Any]] = set(sending)
                    if self._running and not stopped and failure is None and len(sending) < most:
                        # Messages committed while these are sent are claimed at once, not when
                        # one of these is done (each may go on to its recipient's next ones).
                        if self._wake.is_set():
                            continue  # committed while the last claim ran
                        if woken_up is None or woken_up.done():
                            woken_up = asyncio.create_task(self._wake.wait())
                        waiting_for.add(woken_up)
                    done, _ = await asyncio.wait(waiting_for, return_when=asyncio.FIRST_COMPLETED)
                    done.discard(woken_up)
                    sending -= done
                    for task in done:
                        if task.exception() is None:
                            handled += task.result()
                        elif failure is None:
                            failure = task.exception()
            finally:
                if woken_up is not None:
                    woken_up.cancel()
                for task in sending:
                    task.cancel()
                await asyncio.gather(*sending, return_exceptions=True)

    async def _claim(self, room: int) -> list[OutboxItem]:
        async with self._uow.for_delivery() as uow:
            items = await uow.outbox.claim(
                tuple(self._outlets), self._clock.now(), LEASE, limit=room, address=self._address
            )
            await uow.commit()
        return items

    async def pending(self) -> int:
        """How many messages still wait for this worker's outlets (and address)."""
        async with self._uow.for_delivery() as uow:
            counts = [await uow.outbox.pending_count(c, self._address) for c in self._outlets]
        return sum(counts)

    async def run(self) -> None:
        """Deliver until stopped, waking on ``wake()`` or every ``poll_seconds``."""
        self._running = True
        try:
            await self._run()
        finally:
            self._running = False

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception as error:
                log.error("outbox pass failed: %s", type(error).__name__)
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.poll_seconds)

    async def _deliver(self, item: OutboxItem) -> int:
        """Deliver ``item`` and then, one after another, the recipient's messages that became
        due meanwhile; how many were handled."""
        handled = 0
        following: OutboxItem | None = item
        while following is not None:
            with self.hand.holding((following.id,)):
                _, following = await self._deliver_one(following)
            handled += 1
        return handled

    @property
    def channels(self) -> frozenset[str]:
        """The channels this worker delivers to."""
        return frozenset(self._outlets)

    async def deliver_claimed(self, items: Sequence[OutboxItem]) -> None:
        """Send messages that were claimed as they were written (a turn's replies to its
        sender), in order, right after their transaction committed; then whatever reached the
        same recipient meanwhile. When one cannot be sent now, the rest are released to the
        worker, which sends them after it, keeping their order."""
        following: OutboxItem | None = None
        with self.hand.holding(item.id for item in items):
            for index, item in enumerate(items):
                sent, following = await self._deliver_one(item, follow=index == len(items) - 1)
                if not sent:
                    rest = [later.id for later in items[index + 1 :]]
                    if rest:
                        async with self._uow.for_delivery() as uow:
                            await uow.claims.release(rest)
                            await uow.commit()
                        self._wake.set()
                    return
        if following is not None:
            await self._deliver(following)

    async def _deliver_one(
        self, item: OutboxItem, follow: bool = True
    ) -> tuple[bool, OutboxItem | None]:
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
        async with self._uow.for_delivery() as uow:
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
        metrics.DELIVERIES.inc(channel, outcome)
        if outcome == "sent":
            self._health.delivered(channel, item.id, self._clock.now())
            waited = (self._clock.now() - item.created_at).total_seconds()
            metrics.DELIVERY_SECONDS.observe(max(waited, 0.0))
        # That a message was sent may be lost in a power cut (it would be sent again); that it
        # must be tried again, or not at all, may not.
        async with self._uow.for_delivery(durable=outcome != "sent") as uow:
            if outcome == "sent":
                await uow.outbox.mark_sent(item.id, self._clock.now())
                card = reply.card if isinstance(reply, Reply) else None
                if card is not None and posted_id and isinstance(reply, Reply):
                    await uow.posted.record(
                        reply.to, card.slot, posted_id, reply.concern, self._clock.now()
                    )
                # A copy to take back later (a coordinator's view of an account): every part.
                copy = reply.copy if isinstance(reply, Reply) else None
                if copy is not None and isinstance(reply, Reply):
                    for index, part_id in enumerate(parts):
                        await uow.posted.record(
                            reply.to,
                            f"{copy.slot}:{index}",
                            part_id,
                            reply.concern,
                            self._clock.now(),
                        )
                # Most often nothing else waits: a look at the index costs less than a claim.
                if follow and not self._stopping and await uow.outbox.waiting(item.reply.to):
                    following = await uow.outbox.claim(
                        (channel,), self._clock.now(), LEASE, limit=1, address=item.reply.to.user_id
                    )
            elif outcome == "dead":
                await uow.outbox.mark_dead(item.id, attempts, error)
            else:
                assert when is not None
                await uow.outbox.retry_at(item.id, attempts, when, error)
            await uow.commit()
        return following[0] if following else None

    async def _mark_unreachable(self, address: Address) -> None:
        async with self._uow.for_delivery() as uow:
            member = await uow.members.by_address(address)
            if member is not None and member.id is not None:
                await uow.members.mark_unreachable(member.id)
            await uow.commit()
