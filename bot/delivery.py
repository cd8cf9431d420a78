"""What a channel may answer when asked to deliver a reply: typed, content-free errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.replies import Outgoing
from bot.storage.outbox import OutboxItem


class DeliveryError(Exception):
    """Delivery failed for a reason that may pass (network error, 5xx); try again later."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down (429); try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.1f}s")
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """The recipient cannot be reached on this channel (blocked the bot, left); do not retry."""


class Rejected(DeliveryError):
    """The platform refused this message for good (400); do not retry."""


class Outlet(Protocol):
    """Something that delivers replies on one channel."""

    name: str

    async def send(self, reply: Outgoing) -> str | None:
        """Deliver a reply (or carry out a removal); return the platform's message id, if any.

        Raise a ``DeliveryError`` when it cannot be delivered now.
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
