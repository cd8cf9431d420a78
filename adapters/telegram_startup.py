"""Start-up calls to the Bot API that wait out Telegram's 429s instead of failing the instance."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

from adapters.ratelimit import SendLimiter

log = logging.getLogger(__name__)

T = TypeVar("T")

START_UP = "(start-up)"
"""The limiter's key for start-up calls (they go to no chat)."""


class StartUpGaveUp(RuntimeError):
    """Telegram kept answering 429 to a start-up call for longer than we are willing to wait."""


def retry_seconds(error: RetryAfter) -> float:
    """Seconds Telegram asked us to wait, whatever type this library version reports."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Patient:
    """Runs start-up calls, honouring each ``retry_after`` through the send limiter (so the
    pause holds for every call of this instance), up to ``budget`` seconds of waiting in all."""

    def __init__(self, limiter: SendLimiter, budget: float) -> None:
        self._limiter = limiter
        self._budget = budget
        self.waited = 0.0

    async def call(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Await ``attempt()`` until it is not refused with 429; ``what`` names it in logs."""
        while True:
            try:
                return await attempt()
            except RetryAfter as error:
                seconds = retry_seconds(error)
                if self.waited + seconds > self._budget:
                    raise StartUpGaveUp(
                        f"Telegram answered 429 (too many requests) to {what} at start-up "
                        f"after {self.waited:.0f} seconds of waiting; gave up, as [telegram] "
                        f"start_retry_seconds is {self._budget:.0f}"
                    ) from None
                log.warning("Telegram asked to wait %.0f s before %s; waiting", seconds, what)
                self.waited += seconds
                self._limiter.pause(seconds)
                await self._limiter.wait(START_UP)
