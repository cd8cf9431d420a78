"""The adapter contract every channel follows: start(sink), send(reply), stop()."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.channels.events import InboundEvent
from bot.channels.replies import Outgoing

EventSink = Callable[[InboundEvent], Awaitable[None]]


class Adapter(Protocol):
    """A channel: connects, feeds events to the sink, delivers replies, disconnects."""

    name: str

    async def start(self, sink: EventSink) -> None:
        """Connect and begin feeding events to ``sink``; returns without blocking."""
        ...

    async def send(self, reply: Outgoing) -> None:
        """Deliver ``reply``; raise a ``bot.delivery.outcomes.DeliveryError`` on failure."""
        ...

    async def stop(self) -> None:
        """Disconnect cleanly."""
        ...
