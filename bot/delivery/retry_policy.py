"""What the outbox does with a failed delivery: try again after a backoff, or give up."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.delivery.outcomes import DeliveryError, Rejected, RetryLater, Unreachable
from bot.settings import OutboxSettings

log = logging.getLogger("bot.delivery.worker")

MIN_WAIT = 0.5
_CODE = re.compile(r"[\w.:-]{1,64}")


def backoff_seconds(
    attempts: int, settings: OutboxSettings, jitter: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with jitter: base·2^(attempts-1), ×0.5–1.5, capped."""
    raw = settings.base_backoff_seconds * (2 ** max(attempts - 1, 0))
    return float(min(raw * (0.5 + jitter()), settings.max_backoff_seconds))


@dataclass(frozen=True)
class Verdict:
    """The outcome to record for one failed attempt, and how to report it."""

    outcome: str  # "retry" or "dead"
    attempts: int  # as recorded in the row
    delay: float  # seconds until the next try (0 when given up)
    error: str  # the row's last_error (at most 64 characters)
    kind: str  # the failure class, for the log and /metrics
    detail: str  # a content-free code: an HTTP status, a library's error name

    @property
    def unreachable(self) -> bool:
        """The recipient cannot be reached: mark the member so."""
        return self.kind == Unreachable.kind


def detail(error: BaseException) -> str:
    """A code for ``error`` fit for a log line: our errors carry codes, others only a type."""
    if isinstance(error, RetryLater):
        return f"retry_after={error.retry_after:g}s"
    text = str(error) if isinstance(error, DeliveryError) else ""
    return text if _CODE.fullmatch(text) else type(error).__name__


def judge(
    error: BaseException,
    attempts: int,
    settings: OutboxSettings,
    item_id: int,
    channel: str,
    jitter: Callable[[], float] = random.random,
) -> Verdict:
    """Decide on attempt number ``attempts`` of outbox message ``item_id``, which failed."""
    code = detail(error)
    if isinstance(error, RetryLater):
        # At least a moment: a zero wait would be claimed again in this same pass. Not an
        # attempt: the platform only asked us to wait.
        wait = max(error.retry_after, MIN_WAIT)
        return Verdict("retry", attempts - 1, wait, "rate_limited", error.kind, code)
    if isinstance(error, Unreachable):
        log.warning("outbox %s: recipient unreachable on %s", item_id, channel)
        return Verdict("dead", attempts, 0.0, "unreachable", error.kind, code)
    if isinstance(error, Rejected):
        log.warning("outbox %s: rejected by %s", item_id, channel)
        return Verdict("dead", attempts, 0.0, "rejected", error.kind, code)
    if isinstance(error, DeliveryError):
        kind = error.kind
    elif isinstance(error, TimeoutError | OSError):
        kind = "network"
    else:
        kind = "unexpected"
        log.error("outbox %s: unexpected %s", item_id, type(error).__name__)
    name = type(error).__name__[:64]
    if attempts >= settings.max_attempts:
        log.error("outbox %s: dead letter after %d attempts (%s)", item_id, attempts, name)
        return Verdict("dead", attempts, 0.0, name, kind, code)
    delay = max(backoff_seconds(attempts, settings, jitter), MIN_WAIT)
    return Verdict("retry", attempts, delay, name, kind, code)
