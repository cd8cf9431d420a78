"""The outbox worker: delivers committed messages in order, with backoff, never losing one."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot import metrics
from bot.clock import Clock
from bot.config import OutboxSettings
from bot.delivery import DeliveryError, Outlet, Rejected, RetryLater, Unreachable
from bot.events import Address
from bot.replies import Outgoing, Reply
from bot.storage.outbox import OutboxItem
from bot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MIN_WAIT = 0.5


def backoff_seconds(
    attempts: int, settings: OutboxSettings, jitter: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with jitter: base·2^(attempts-1), ×0.5–1.5, capped."""
    raw = settings.base_backoff_seconds * (2 ** max(attempts - 1, 0))
    return float(min(raw * (0.5 + jitter()), settings.max_backoff_seconds))


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
    ) -> None:
        self._uow = uow
        self._outlets = dict(outlets)
        self._clock = clock
        self._settings = settings
        self._address = address
        self._jitter = jitter
        self._wake = asyncio.Event()
        self._stopping = False
        self._pass = asyncio.Lock()

    def wake(self) -> None:
        """Tell the worker new messages were committed."""
        self._wake.set()

    def stop(self) -> None:
        """Ask ``run`` to finish after the current pass."""
        self._stopping = True
        self._wake.set()

    async def deliver_due(self) -> int:
        """Deliver everything due now; returns how many messages were handled.

        A call made while ``run`` is in a pass waits for that pass: on return, nothing due
        is still on its way (the terminal chat reads the next line only then)."""
        async with self._pass:
            handled = 0
            while True:
                async with self._uow() as uow:
                    items = await uow.outbox.claim(
                        tuple(self._outlets), self._clock.now(), LEASE, address=self._address
                    )
                    await uow.commit()
                if not items:
                    return handled
                # One item per recipient is claimed, so sending them side by side keeps each
                # recipient's order while a slow chat (rate limit) does not hold up the others.
                await asyncio.gather(*(self._deliver(item) for item in items))
                handled += len(items)

    async def pending(self) -> int:
        """How many messages still wait for this worker's outlets (and address)."""
        async with self._uow() as uow:
            total = 0
            for channel in self._outlets:
                total += await uow.outbox.pending_count(channel, self._address)
            return total

    async def run(self) -> None:
        """Deliver until stopped, waking on ``wake()`` or every ``poll_seconds``."""
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

    async def _deliver(self, item: OutboxItem) -> None:
        outlet = self._outlets[item.reply.to.channel]
        attempts = item.attempts + 1
        now = self._clock.now()
        try:
            reply = await self._placed(item.reply)
            posted_id = await outlet.send(reply)
        except RetryLater as error:
            await self._settle(
                item,
                "retry",
                attempts - 1,
                # At least a moment: a zero wait would be claimed again in this same pass.
                now + timedelta(seconds=max(error.retry_after, MIN_WAIT)),
                "rate_limited",
            )
        except Unreachable:
            log.warning("outbox %s: recipient unreachable on %s", item.id, outlet.name)
            await self._settle(item, "dead", attempts, None, "unreachable")
            await self._mark_unreachable(item.reply.to)
        except Rejected:
            log.warning("outbox %s: rejected by %s", item.id, outlet.name)
            await self._settle(item, "dead", attempts, None, "rejected")
        except (TimeoutError, DeliveryError, OSError) as error:
            await self._failed(item, attempts, type(error).__name__)
        except Exception as error:
            log.error("outbox %s: unexpected %s", item.id, type(error).__name__)
            await self._failed(item, attempts, type(error).__name__)
        else:
            await self._settle(item, "sent", attempts, None, "", reply, posted_id)

    async def _placed(self, reply: Outgoing) -> Outgoing:
        """Resolve slots: the platform id of the message to replace or to thread under."""
        if not isinstance(reply, Reply):
            return reply
        slot = reply.extra.get("replace") or reply.extra.get("thread")
        if not slot:
            return reply
        async with self._uow() as uow:
            found = await uow.posted.find(reply.to, slot)
        if found is None:
            return reply
        key = "ts" if reply.extra.get("replace") else "thread_ts"
        return dataclasses.replace(reply, extra={**reply.extra, key: found})

    async def _failed(self, item: OutboxItem, attempts: int, error: str) -> None:
        if attempts >= self._settings.max_attempts:
            log.error("outbox %s: dead letter after %d attempts (%s)", item.id, attempts, error)
            await self._settle(item, "dead", attempts, None, error[:64])
            return
        delay = max(backoff_seconds(attempts, self._settings, self._jitter), MIN_WAIT)
        when = self._clock.now() + timedelta(seconds=delay)
        await self._settle(item, "retry", attempts, when, error[:64])

    async def _settle(
        self,
        item: OutboxItem,
        outcome: str,
        attempts: int,
        when: datetime | None,
        error: str,
        reply: Outgoing | None = None,
        posted_id: str | None = None,
    ) -> None:
        channel = item.reply.to.channel
        metrics.DELIVERIES.inc(channel, outcome)
        if outcome == "sent":
            waited = (self._clock.now() - item.created_at).total_seconds()
            metrics.DELIVERY_SECONDS.observe(max(waited, 0.0))
        async with self._uow() as uow:
            if outcome == "sent":
                await uow.outbox.mark_sent(item.id, self._clock.now())
                slot = reply.extra.get("slot") if isinstance(reply, Reply) else None
                if slot and posted_id and isinstance(reply, Reply):
                    await uow.posted.record(
                        reply.to, slot, posted_id, reply.extra.get("concern"), self._clock.now()
                    )
            elif outcome == "dead":
                await uow.outbox.mark_dead(item.id, attempts, error)
            else:
                assert when is not None
                await uow.outbox.retry_at(item.id, attempts, when, error)
            await uow.commit()

    async def _mark_unreachable(self, address: Address) -> None:
        async with self._uow() as uow:
            member = await uow.members.by_address(address)
            if member is not None and member.id is not None:
                await uow.members.mark_unreachable(member.id)
            await uow.commit()
