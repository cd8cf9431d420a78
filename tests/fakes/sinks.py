"""A ``Sink`` made of functions, for adapter tests that start a channel without a bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.channels.events import Address, InboundEvent
from bot.channels.replies import Reply

Handle = Callable[[InboundEvent], Awaitable[None]]
Respond = Callable[[InboundEvent], Awaitable[list[Reply]]]


async def _nothing(event: InboundEvent) -> None:
    return None


class FunctionSink:
    """Hands events to ``handle``; ``respond`` answers in place (refused when not given)."""

    def __init__(self, handle: Handle = _nothing, respond: Respond | None = None) -> None:
        self._handle = handle
        self._respond = respond
        self.shown_ids: list[str] = []

    async def handle(self, event: InboundEvent) -> None:
        """Hand the event on."""
        await self._handle(event)

    async def respond(self, event: InboundEvent) -> list[Reply]:
        """Answer in place through ``respond``."""
        assert self._respond is not None, "this sink does not answer in place"
        return await self._respond(event)

    async def shown(self, to: Address, slot: str, shown_id: str, reference: str) -> None:
        """Note the form's id."""
        self.shown_ids.append(shown_id)

    async def settle(self) -> None:
        """Nothing to deliver."""
