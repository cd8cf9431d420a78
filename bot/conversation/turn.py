"""One turn of the bot: who acts, in which transaction, and what gets said to whom."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.channels.events import Address
from bot.channels.parts import Attachment, Copy, FieldError, View
from bot.channels.protocol import Capability
from bot.channels.replies import Choice, Outgoing, Removal, Reply
from bot.delivery.notify import Compose, message_for
from bot.domain.clock import Clock
from bot.domain.model import AccessLogEntry, Member, Network, Organisation
from bot.i18n import Translate, translator
from bot.settings import Settings
from bot.storage.uow import UnitOfWork


@dataclass
class Turn:
    """The context every use case gets: actor, transaction, clock, settings, outgoing replies."""

    uow: UnitOfWork
    member: Member
    address: Address
    clock: Clock
    settings: Settings
    replies: list[Outgoing] = field(default_factory=list)
    _now: datetime | None = None
    feeds: Mapping[str, tuple[Address, ...]] = field(default_factory=dict)
    capabilities: frozenset[Capability] = frozenset()
    """What the actor's channel declared (none when unknown: the strictest reading)."""

    @property
    def t(self) -> Translate:
        """Translate into the actor's language."""
        return translator(self.member.language)

    @property
    def now(self) -> datetime:
        """The moment of this turn, fixed for the whole turn."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    @property
    def member_id(self) -> int:
        """The actor's member id."""
        assert self.member.id is not None
        return self.member.id

    @property
    def network(self) -> Network:
        """The actor's network."""
        return self.settings.network(self.member.network_id)

    @property
    def organisation(self) -> Organisation:
        """The actor's organisation."""
        return self.network.organisation(self.member.organisation_id)

    @property
    def feed_channels(self) -> set[str]:
        """Channels whose members follow the actor's network's concerns in a shared feed rather
        than by message (only where that network has a feed)."""
        return {a.channel for a in self.feeds.get(self.member.network_id, ())}

    def say(
        self,
        text: str,
        choices: tuple[Choice, ...] = (),
        nonce: str | None = None,
        *,
        view: View | None = None,
        attachment: Attachment | None = None,
        copy: Copy | None = None,
        concern: str | None = None,
        error: FieldError | None = None,
    ) -> None:
        """Reply to the actor, with the parts that tell channels how to show it (see
        ``bot.channels.parts``: a read-only window, a file, the form field at fault)."""
        self.replies.append(
            Reply(
                self.address,
                text,
                choices,
                nonce,
                view=view,
                attachment=attachment,
                copy=copy,
                concern=concern,
                error=error,
            )
        )

    def remove(self, message_ids: list[str]) -> None:
        """Ask the actor's channel to delete these messages the actor sent."""
        self.replies.append(Removal(self.address, tuple(message_ids)))

    async def notify(
        self,
        member_id: int,
        compose: Compose,
        copy: Copy | None = None,
        concern: str = "",
        *,
        direct: bool = False,
    ) -> bool:
        """Send another member a message in their own language; False if they have no address
        (``copy``: record where it lands, so that a reply to it can be recognised; ``direct``:
        to them alone even where coordinators follow concerns in a shared feed)."""
        skip = () if direct else self.feed_channels
        reply = await message_for(self.uow, member_id, compose, skip)
        if reply is None:
            return False
        if copy is not None and isinstance(reply, Reply):
            reply = replace(reply, copy=copy, concern=concern or None)
        self.replies.append(reply)
        return True

    async def log(
        self,
        action: str,
        outcome: str,
        reference: str | None = None,
        subject_member_id: int | None = None,
    ) -> None:
        """Append an access-log row for something the actor did."""
        await self.uow.access_log.add(
            AccessLogEntry(
                at=self.now,
                actor_member_id=self.member.id,
                action=action,
                outcome=outcome,
                concern_reference=reference,
                subject_member_id=subject_member_id,
                channel=self.address.channel,
            )
        )
