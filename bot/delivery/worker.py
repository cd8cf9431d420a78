"""The outbox worker: claims committed messages and delivers them in order, never losing one
(each attempt, its outcome and its backoff: bot.delivery.attempts)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.delivery.attempts import Attempts
from bot.delivery.instances import Hand
from bot.delivery.outages import DeliveryHealth
from bot.delivery.outcomes import Outlet
from bot.domain.clock import Clock
from bot.settings import OutboxSettings
from bot.storage.outbox import LEASE, OutboxItem
from bot.storage.reading import reading
from bot.storage.uow_factory import UnitOfWorkFactory

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
        health = health or DeliveryHealth(settings.outage_report_seconds)
        for channel in self._outlets:
            health.watch(channel)
        self._attempts = Attempts(
            uow, outlets, clock, settings, health, lambda: self._stopping, jitter
        )
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
        async with reading(self._uow, delivery=True) as uow:
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
                _, following = await self._attempts.once(following)
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
                sent, following = await self._attempts.once(item, follow=index == len(items) - 1)
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
