"""One overall send rate for every instance of the bot: slots leased a few at a time from the
database (see bot.storage.send_budget) and let go at their times.

The slots of all instances are spaced ``(1 + margin) / limit`` apart on the database's clock,
so ``limit`` of them span ``1 + margin`` seconds. A platform that counts arrivals in any one
second then sees at most ``limit`` as long as no send arrives more than ``margin`` seconds
later (relative to the others) than its slot. Of that margin, a late wake-up may take
``late`` (two thirds by default): a slot found later than that is skipped, never used late.
The rest is for the lease's round trip (a slot's local time is reckoned from when the answer
came, so it can be late by that, never early) and the way to the platform. Past that bound
a window can hold ``ceil((1 + spread) * limit / (1 + margin))`` sends, with ``spread`` the
largest difference in lateness: at 30 a second and a 3 % margin, 30 while sends differ by up
to 30 ms, 31 up to 64 ms.

Slots leased and not used (the instance had nothing more to send) are time lost, never an
extra send. When the database does not answer, the instance sends at most its share,
``limit`` divided by the instances that leased lately, for ``fallback_seconds``, then asks
the database again."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.ratelimit import SendLimiter, SlidingWindow
from adapters.slack.settings import SlackSettings
from adapters.telegram.settings import TelegramSettings
from bot.storage.send_budget import Leased, SendBudgetLedger

log = logging.getLogger(__name__)

Lease = Callable[[float], Awaitable[Leased]]
"""Leases the next ``span`` seconds of slots."""
LEASE_SECONDS = 0.05
"""The least time a lease's slots span (3 slots at 30 a second, as before; thousands when the
limit is in effect off, which would otherwise take a lease, a transaction, per 3 sends)."""


class SharedBudget:
    """The overall rate of one channel, shared with every instance through ``lease``."""

    def __init__(
        self,
        lease: Lease,
        limit: float,
        margin: float = 0.03,
        monotonic: Callable[[], float] = time.monotonic,
        slots: int = 3,
        late: float | None = None,
        fallback_seconds: float = 15.0,
        timeout: float = 2.0,
        name: str = "",
    ) -> None:
        self.limit = limit
        self.margin = margin
        self.interval = (1.0 + margin) / limit
        self.late = margin * 2 / 3 if late is None else late
        self._lease = lease
        self._clock = monotonic
        self._size = max(slots, 1)
        self._fallback_seconds = fallback_seconds
        self._timeout = timeout
        self._name = name
        self._slots: deque[float] = deque()
        self._holders = 1
        self._fallback: SlidingWindow | None = None
        self._fallback_until = 0.0
        self._recovering = False
        self.leases = 0
        self.unused = 0
        self.slowest_lease = 0.0

    @property
    def falling_back(self) -> bool:
        """True while this instance keeps to its local share (the database did not answer)."""
        return self._fallback is not None

    async def delay(self, now: float) -> float:
        """Seconds from ``now`` until the next slot (leasing slots when none is left)."""
        if self._fallback is not None:
            if now < self._fallback_until:
                return await self._fallback.delay(now)
            self._fallback = None
            self._recovering = True
        while self._slots and now - self._slots[0] > self.late:
            # Found too late (a slow wake-up, or nothing was waiting): lost, never used late.
            self._slots.popleft()
            self.unused += 1
        if self._slots:
            return max(self._slots[0] - now, 0.0)
        await self._take_lease(now)
        if self._fallback is not None:
            return await self._fallback.delay(now)
        return max(self._slots[0] - now, 0.0)

    def release(self, now: float, reported: bool) -> None:
        """Use the slot ``delay`` said is due (or a send of the local share)."""
        if self._fallback is not None:
            # Unreported: the share's sends are assumed to arrive within the margin.
            self._fallback.release(now, reported=False)
        elif self._slots:
            self._slots.popleft()

    def done(self, now: float) -> None:
        """Nothing to do: a slot is counted when it is leased, not when its send ends."""

    async def _take_lease(self, now: float) -> None:
        span = self._size * self.interval
        asked = self._clock()
        try:
            leased = await asyncio.wait_for(self._lease(span), self._timeout)
        except Exception as error:
            self._fall_back(now, error)
            return
        answered = self._clock()
        self.leases += 1
        self.slowest_lease = max(self.slowest_lease, answered - asked)
        self._holders = max(leased.holders, 1)
        if self._recovering:
            self._recovering = False
            log.info("the shared send budget of %s is leased again", self._name or "a channel")
        first = answered + leased.ahead - span
        self._slots.extend(first + i * self.interval for i in range(self._size))

    def _fall_back(self, now: float, error: Exception) -> None:
        share = self.limit / self._holders
        self._fallback = SlidingWindow(share, self.margin, now)
        self._fallback_until = now + self._fallback_seconds
        self._slots.clear()
        log.warning(
            "the shared send budget of %s could not be leased (%s): sending at most %.1f a "
            "second from this instance for %.0f s",
            self._name or "a channel",
            type(error).__name__,
            math.floor(share * 10) / 10,
            self._fallback_seconds,
        )


def telegram_limiter(engine: AsyncEngine, settings: TelegramSettings) -> SendLimiter:
    """Telegram's send limiter, its overall rate shared on PostgreSQL."""
    return SendLimiter(
        settings.overall_per_second,
        settings.per_chat_per_second,
        settings.per_chat_burst,
        budget=budgeted(engine, "telegram", settings.overall_per_second),
    )


def slack_limiter(engine: AsyncEngine, settings: SlackSettings) -> SendLimiter:
    """Slack's send limiter, its overall rate shared on PostgreSQL."""
    return SendLimiter(
        settings.overall_per_second,
        settings.per_channel_per_second,
        settings.per_channel_burst,
        budget=budgeted(engine, "slack", settings.overall_per_second),
    )


def budgeted(engine: AsyncEngine, channel: str, limit: float) -> SharedBudget | None:
    """On PostgreSQL (several instances may share it) the shared budget of ``channel``; on
    SQLite (one instance) None: the instance's own sliding window."""
    if engine.dialect.name != "postgresql":
        return None
    # At least LEASE_SECONDS of slots a lease: a high limit is not a transaction per 3 sends.
    slots = max(3, math.ceil(LEASE_SECONDS * limit))
    return SharedBudget(SendBudgetLedger(engine, channel).lease, limit, slots=slots, name=channel)
