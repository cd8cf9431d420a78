"""A platform's send limits: an overall rate kept by a budget (by default a sliding-window
limit of this instance; see adapters.shared_budget for one shared by every instance), a rate
per chat, and a global pause when the platform says too many requests."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

EPSILON = 1e-9


class Budget(Protocol):
    """The overall rate of a platform: when the next send may go."""

    async def delay(self, now: float) -> float:
        """Seconds from ``now`` until a release is allowed (0: now)."""
        ...

    def release(self, now: float, reported: bool) -> None:
        """Record a release at ``now``; a ``reported`` send ends with ``done``."""
        ...

    def done(self, now: float) -> None:
        """A reported send is finished: the platform has counted it by ``now``."""
        ...


class TokenBucket:
    """``rate`` tokens a second up to ``burst``; taking one may put the bucket in debt."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = now

    def refill(self, now: float) -> None:
        """Add what has dripped in since the last look (up to ``burst``)."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def reserve(self, now: float) -> float:
        """Take a token; return how many seconds to wait before using it."""
        self.refill(now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def until_token(self, now: float) -> float:
        """Seconds until a whole token is there (without taking it)."""
        self.refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def idle(self, now: float) -> bool:
        """True when the bucket would be full again (so it can be forgotten)."""
        return self.tokens + (now - self.updated) * self.rate >= self.burst


class SlidingWindow:
    """At most ``limit`` sends reach the platform within any one second, evenly paced.

    A platform that counts messages in any one second (Telegram: 30) answers 429 to a token
    bucket that lets a full burst go and then refills: that puts up to twice the limit in
    one second. Here sends are paced at ``limit / (1 + margin)`` a second, and a log of when
    each send may last have reached the platform holds back one that could make ``limit + 1``
    within a second (after the event loop was late and a few went together).

    When a send is reported done, the platform counted it before then: that bound is exact.
    A send not reported is assumed to arrive within ``margin`` seconds of its release."""

    def __init__(self, limit: float, margin: float, now: float) -> None:
        self.limit = max(int(limit), 1)
        self.margin = margin
        self.in_flight = 0
        # A burst of two lets a send that woke late be followed by one on time, so lateness
        # does not add up to a lower rate (after a quiet spell two may go at once); the log
        # keeps any second within the limit all the same.
        # At high limits (a self-hosted Bot API, a benchmark) spacing sends a few microseconds
        # apart would only cost an event-loop turn each: the burst grows with the limit.
        self._pace = TokenBucket(limit / (1.0 + margin), max(min(2.0, limit), limit / 100), now)
        self._pace.tokens = 1.0
        self._arrived: list[float] = []  # a heap: the latest each send may have arrived

    async def delay(self, now: float) -> float:
        """Seconds until a release is allowed (0: now)."""
        while self._arrived and self._arrived[0] <= now - 1.0:
            heapq.heappop(self._arrived)
        full = 0.0
        if len(self._arrived) + self.in_flight >= self.limit:
            # Every counted send still in flight: look again after one step of the pace.
            full = self._arrived[0] + 1.0 - now if self._arrived else 1.0 / self._pace.rate
        return max(full, self._pace.until_token(now))

    def release(self, now: float, reported: bool) -> None:
        """Record a release at ``now`` (after ``delay`` said 0); a ``reported`` send counts
        as in flight until ``done``."""
        self._pace.reserve(now)
        if reported:
            self.in_flight += 1
        else:
            heapq.heappush(self._arrived, now + self.margin)

    def done(self, now: float) -> None:
        """A reported send is finished: the platform has counted it by ``now``."""
        self.in_flight -= 1
        heapq.heappush(self._arrived, now)


class SendLimiter:
    """Waits as long as needed to stay within an overall and a per-chat rate.

    A send first waits for its chat's own limit and any pause, then queues for the overall
    rate: one release at a time in arrival order, so a chat that must wait holds up no other.
    The overall limit is ``overall_per_second`` in any second, paced with a ``margin``
    (a fraction: 0.03 sends at 30/1.03 a second), unless a shared ``budget`` keeps it.
    ``sending`` is exact where ``wait`` must assume a request reaches the platform within
    ``margin`` seconds."""

    def __init__(
        self,
        overall_per_second: float = 30.0,
        per_chat_per_second: float = 1.0,
        per_chat_burst: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        margin: float = 0.03,
        budget: Budget | None = None,
    ) -> None:
        self._clock = monotonic
        self._sleep = sleep
        self._overall: Budget = budget or SlidingWindow(overall_per_second, margin, monotonic())
        self._per_chat_rate = per_chat_per_second
        self._per_chat_burst = per_chat_burst
        self._chats: dict[str, TokenBucket] = {}
        self._paused_until = 0.0
        self._queue = asyncio.Lock()

    def delay_for(self, chat: str) -> float:
        """Reserve a send to ``chat`` now; return the seconds it must wait for the chat's own
        limit and any pause (the overall rate is waited for after that, in ``wait``)."""
        now = self._clock()
        bucket = self._chats.get(chat)
        if bucket is None:
            bucket = self._chats[chat] = TokenBucket(self._per_chat_rate, self._per_chat_burst, now)
        wait = max(bucket.reserve(now), self._paused_until - now)
        if len(self._chats) > 10000:
            self._chats = {k: b for k, b in self._chats.items() if not b.idle(now)}
        return max(wait, 0.0)

    async def wait(self, chat: str) -> None:
        """Wait until a message to ``chat`` may be sent."""
        await self._take(chat, reported=False)

    @contextlib.asynccontextmanager
    async def sending(self, chat: str) -> AsyncIterator[None]:
        """Wait like ``wait``, then count the send in flight until the block ends: its end
        is when the platform has surely counted it, whatever the network's jitter."""
        await self._take(chat, reported=True)
        try:
            yield
        finally:
            self._overall.done(self._clock())

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` (the platform said: too many requests)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def _take(self, chat: str, reported: bool) -> None:
        delay = self.delay_for(chat)
        if delay > 0:
            await self._sleep(delay)
        async with self._queue:
            while True:
                asked = self._clock()
                wait = await self._overall.delay(asked)
                # A shared budget may have asked the database: what it said counts from then.
                now = self._clock()
                delay = max(wait - (now - asked), self._paused_until - now)
                # Within a nanosecond is now: rounding must not leave a waiter sleeping 1e-17 s
                # forever on a clock that such a step does not move.
                if delay <= EPSILON:
                    self._overall.release(now, reported)
                    return
                await self._sleep(delay)
