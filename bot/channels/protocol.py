"""The one contract every channel plug-in follows; it names no channel.

A channel is a plug-in (``Channel``): it reads its own settings table, says whether the
environment configures it, what an invitee types to join through it, which loggers it quiets
and which alert feeds it offers, and builds a ``Runtime`` — the outlet the outbox delivers
through, ``start(sink)``/``stop()``, its health warnings and any HTTP routes — from the
``ChannelContext`` the composition root hands it. What a channel can do beyond taking events
(answering in place, showing forms) it declares in ``capabilities``; the root then gives its
sink those powers, and no other channel's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bot.channels.events import Address, InboundEvent
from bot.channels.replies import Outgoing, Reply

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.settings import Settings


class Capability(StrEnum):
    """What a channel does beyond taking events and delivering replies."""

    ANSWERS_IN_PLACE = "answers_in_place"
    """It answers its user where they acted (``Sink.respond``), not through the outbox."""
    FORMS = "forms"
    """It shows forms holding a concern, which erasure must reach (``Sink.shown``)."""
    OWN_LOGIN = "own_login"
    """Its users passed a strong login of the platform's own, so opening a concern's details
    there asks for no step-up code (``bot.security.step_up``): Slack (the workspace's login,
    SSO and two factors as the workspace sets them) has it, Telegram (a phone number and an
    SMS code) does not."""
    END_TO_END = "end_to_end"
    """Its chats are end-to-end encrypted between the member's app and the bot (Matrix), so
    ``/privacy`` says that instead of saying the chat is not."""
    REMOVES_ANY_AGE = "removes_any_age"
    """It removes its own messages however old they are (Matrix redacts at any age; Telegram
    only within 48 hours), so ``/wipe`` takes back every message still on record."""


class CapabilityMissing(RuntimeError):
    """A channel used a power it did not declare."""


class Sink(Protocol):
    """Where a running channel hands what its users do."""

    async def handle(self, event: InboundEvent) -> None:
        """Process one event; replies go out through the outbox."""
        ...

    async def respond(self, event: InboundEvent) -> list[Reply]:
        """Process one event and return the replies for its sender (``ANSWERS_IN_PLACE``)."""
        ...

    async def shown(self, to: Address, slot: str, shown_id: str, reference: str) -> None:
        """Remember a copy of a concern shown in a form (``FORMS``)."""
        ...

    async def settle(self) -> None:
        """Deliver what is due for this process now (the terminal prints it before it reads on)."""
        ...


Handler = Callable[[Any], Awaitable[Any]]
"""An HTTP request handler of the bot's own server (request in, response out)."""


@dataclass(frozen=True)
class Route:
    """An HTTP endpoint a channel serves on the bot's own server."""

    method: str
    path: str
    handler: Handler


class Runtime(Protocol):
    """A channel while the bot runs: an outlet for delivery, a lifecycle and its health."""

    name: str
    capabilities: frozenset[Capability]

    async def start(self, sink: Sink) -> None:
        """Connect and begin feeding events to ``sink``; returns without blocking."""
        ...

    async def send(self, reply: Outgoing) -> str | None:
        """Deliver ``reply``; raise a ``bot.delivery.outcomes.DeliveryError`` on failure."""
        ...

    async def stop(self) -> None:
        """Disconnect cleanly."""
        ...

    def health_warnings(self) -> list[str]:
        """What an operator must fix in this channel (empty when nothing)."""
        ...

    def routes(self) -> Sequence[Route]:
        """The HTTP endpoints to serve for this channel (none for most)."""
        ...


@dataclass(frozen=True)
class ChannelContext:
    """What the composition root hands a channel to build its runtime from."""

    settings: Settings
    channel_settings: Any
    environ: Mapping[str, str]
    engine: AsyncEngine
    options: Mapping[str, Any] = field(default_factory=dict)
    """Parts a caller injects for this channel (a test's limiter, a terminal's user)."""


class Channel(Protocol):
    """A channel plug-in: everything the core and the command line need to know of it."""

    @property
    def name(self) -> str:
        """The channel's name: its settings table and the ``channel`` of its addresses."""
        ...

    @property
    def loggers(self) -> tuple[str, ...]:
        """Loggers of its libraries, held at WARNING (their debug lines carry content)."""
        ...

    def settings(self, table: Mapping[str, Any], environ: Mapping[str, str]) -> Any:
        """Its settings from its table and the environment; ``ConfigError`` when wrong."""
        ...

    def check(self, channel_settings: Any, settings: Settings) -> None:
        """Check its settings against the core's (e.g. networks it names); ``ConfigError``."""
        ...

    def configured(self, channel_settings: Any, environ: Mapping[str, str]) -> bool:
        """True when the environment gives it what it needs to serve (a token)."""
        ...

    async def invite_hints(
        self, channel_settings: Any, environ: Mapping[str, str], code: str
    ) -> list[str]:
        """Lines telling an invitee how to join with ``code`` through this channel."""
        ...

    def alert_feeds(self, channel_settings: Any) -> dict[str, Address]:
        """Its shared alert feed per network id (empty when it has none)."""
        ...

    def build(self, context: ChannelContext) -> Runtime:
        """Its runtime, not yet started (no I/O here)."""
        ...


ChannelLoader = Callable[[], Channel]


@runtime_checkable
class InvitesInChat(Protocol):
    """A channel's settings that know the link a coordinator passes on in a chat."""

    def invite_link(self, code: str) -> str:
        """The link (or the line to type) that joins with ``code``."""
        ...
