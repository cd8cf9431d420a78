"""What a channel may answer when asked to deliver a reply: typed, content-free errors."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Protocol

from bot.channels.replies import Outgoing
from bot.storage.outbox import OutboxItem


class DeliveryError(Exception):
    """Delivery failed for a reason that may pass (network error, 5xx); try again later.

    ``kind`` names the failure class in the log and in /metrics; the message is a code,
    never content."""

    kind = "failed"


class ServerError(DeliveryError):
    """The platform answered with a server error (5xx): an outage on its side."""

    kind = "server_error"


class Disconnected(DeliveryError):
    """The platform could not be reached: connection refused or reset, or no answer in time."""

    kind = "network"


class RetryLater(DeliveryError):
    """The platform asked us to slow down (429); try again after ``retry_after`` seconds."""

    kind = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.1f}s")
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """The recipient cannot be reached on this channel (blocked the bot, left); do not retry."""

    kind = "recipient_unreachable"


class Rejected(DeliveryError):
    """The platform refused this message for good (400); do not retry."""

    kind = "rejected"


class Progress:
    """The parts of one reply delivered so far; ``save`` keeps them in the outbox row."""

    def __init__(
        self, done: tuple[str, ...], save: Callable[[tuple[str, ...]], Awaitable[None]]
    ) -> None:
        self.ids = list(done)
        self._save = save

    async def sent(self, message_id: str, more: bool) -> None:
        """Note a delivered part; when more follow, save before the next is sent, so that
        a retry (or another instance after a crash) resumes after it."""
        self.ids.append(message_id)
        if more:
            await self._save(tuple(self.ids))


_PROGRESS: contextvars.ContextVar[Progress | None] = contextvars.ContextVar(
    "delivery_progress", default=None
)


@contextlib.contextmanager
def tracking(progress: Progress) -> Iterator[None]:
    """Let the channel report, while it sends one reply, each part that went out."""
    token = _PROGRESS.set(progress)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


async def part_sent(message_id: str, more: bool) -> None:
    """A channel tells the deliverer that one part of a reply went out (``more``: others
    follow). Outside a delivery this does nothing."""
    progress = _PROGRESS.get()
    if progress is not None:
        await progress.sent(message_id, more)


class Outlet(Protocol):
    """Something that delivers replies on one channel."""

    name: str

    async def send(self, reply: Outgoing) -> str | None:
        """Deliver a reply (or carry out a removal); return the platform's message id, if any.

        A channel that sends a reply in parts skips the ``parts_sent`` of the reply, reports
        each part it sends with ``part_sent``, and still returns the id the reply's slot
        names (that of its last text part). Raise a ``DeliveryError`` when it cannot be
        delivered now.
        """
        ...


class Courier(Protocol):
    """Sends messages that were claimed as they were written, right after their commit."""

    @property
    def channels(self) -> frozenset[str]:
        """The channels it delivers to."""
        ...

    async def deliver_claimed(self, items: Sequence[OutboxItem]) -> None:
        """Send ``items`` in order and record each outcome; never loses one."""
        ...
