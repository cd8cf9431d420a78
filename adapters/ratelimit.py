"""Token buckets for a platform's send limits: overall and per chat, with a global pause."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class TokenBucket:
    """``rate`` tokens a second up to ``burst``; taking one may put the bucket in debt."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = now

    def reserve(self, now: float) -> float:
        """Take a token; return how many seconds to wait before using it."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def idle(self, now: float) -> bool:
        """True when the bucket would be full again (so it can be forgotten)."""
        return self.tokens + (now - self.updated) * self.rate >= self.burst


class SendLimiter:
    """Waits as long as needed to stay within an overall and a per-chat rate."""

    def __init__(
        self,
        overall_per_second: float = 30.0,
        per_chat_per_second: float = 1.0,
        per_chat_burst: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = monotonic
        self._sleep = sleep
        self._overall = TokenBucket(overall_per_second, max(overall_per_second, 1.0), monotonic())
        self._per_chat_rate = per_chat_per_second
        self._per_chat_burst = per_chat_burst
        self._chats: dict[str, TokenBucket] = {}
        self._paused_until = 0.0

    def delay_for(self, chat: str) -> float:
        """Reserve a send to ``chat`` now; return the seconds to wait first."""
        now = self._clock()
        bucket = self._chats.get(chat)
        if bucket is None:
            bucket = self._chats[chat] = TokenBucket(self._per_chat_rate, self._per_chat_burst, now)
        wait = max(self._overall.reserve(now), bucket.reserve(now), self._paused_until - now)
        if len(self._chats) > 10000:
            self._chats = {k: b for k, b in self._chats.items() if not b.idle(now)}
        return max(wait, 0.0)

    async def wait(self, chat: str) -> None:
        """Wait until a message to ``chat`` may be sent."""
        delay = self.delay_for(chat)
        if delay > 0:
            await self._sleep(delay)

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` (the platform said: too many requests)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
