"""What a running channel hands its users' events to: the bot, with the powers the channel
declared (``bot.channels.protocol.Capability``) and no others."""

from __future__ import annotations

from bot.channels.events import Address, InboundEvent
from bot.channels.protocol import Capability, CapabilityMissing
from bot.channels.replies import Reply
from bot.conversation.core import Bot
from bot.delivery.worker import Deliverer


class ChannelSink:
    """The bot as one channel's ``Sink``."""

    def __init__(self, bot: Bot, deliverer: Deliverer, capabilities: frozenset[Capability]):
        self._bot = bot
        self._deliverer = deliverer
        self._capabilities = capabilities

    async def handle(self, event: InboundEvent) -> None:
        """Process one event; replies go out through the outbox."""
        await self._bot.handle(event, self._capabilities)

    async def respond(self, event: InboundEvent) -> list[Reply]:
        """Process one event; the replies for its sender come back to be shown in place."""
        self._require(Capability.ANSWERS_IN_PLACE)
        return await self._bot.respond(event, self._capabilities)

    async def shown(self, to: Address, slot: str, shown_id: str, reference: str) -> None:
        """Remember a copy of a concern shown in a form, for erasure to reach."""
        self._require(Capability.FORMS)
        await self._bot.shown(to, slot, shown_id, reference)

    async def settle(self) -> None:
        """Deliver what is due for this process now."""
        await self._deliverer.deliver_due()

    def _require(self, capability: Capability) -> None:
        if capability not in self._capabilities:
            raise CapabilityMissing(f"the channel did not declare {capability.value}")
