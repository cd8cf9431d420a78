"""The core: one event in, one transaction, replies out through the outbox."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from bot import metrics
from bot.channels.events import Address, CommandReceived, FormSubmitted, InboundEvent
from bot.channels.protocol import Capability
from bot.channels.replies import Outgoing, Reply
from bot.conversation.flows import Flow
from bot.conversation.inbound import sanitised
from bot.conversation.router import Router
from bot.conversation.throttle import SLOW_DOWN, admit
from bot.conversation.turn import Turn
from bot.delivery.decisions import Queued, queue, refused_only
from bot.delivery.outcomes import Courier
from bot.domain.clock import Clock
from bot.domain.model import AccessLogEntry
from bot.i18n import N_, translator
from bot.settings import Settings
from bot.storage.uow import UnitOfWork
from bot.storage.uow_factory import UnitOfWorkFactory
from bot.usecases import info
from bot.usecases.invites import redeem

log = logging.getLogger(__name__)

UNKNOWN_USER = N_(
    "Hello. This bot is for professionals in a local network who want to share a concern "
    "about a young person or group drifting towards polarisation or radicalisation. "
    "Only invited professionals can use it. Ask {contact} for an invitation. "
    "In immediate danger, call 112."
)
FAILED = N_(
    "Sorry, something went wrong on our side and your last message was not processed. "
    "Please try again in a moment."
)
WELCOME = N_(
    "Welcome. You are now enrolled in {network} for {organisation}. "
    "Here you can share a concern about a young person or group with your network's "
    "coordinator, and hear back what happens with it."
)


class Bot:
    """Handles inbound events: commands, actions, forms and dialog turns."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        settings: Settings,
        flows: Mapping[str, Flow],
        on_outbox: Callable[[], None] = lambda: None,
        feeds: Mapping[str, tuple[Address, ...]] | None = None,
        courier: Courier | None = None,
    ) -> None:
        """``courier``, when given, sends each turn's replies to its sender right after the
        commit (rather than the outbox worker): a turn is then answered without waiting for
        a worker's claim, and one chat's turns and replies keep their order."""
        self._uow = uow
        self._clock = clock
        self._settings = settings
        self._router = Router(flows)
        self._on_outbox = on_outbox
        self._feeds = dict(feeds or {})
        self._courier = courier

    async def handle(
        self, event: InboundEvent, capabilities: frozenset[Capability] = frozenset()
    ) -> None:
        """Process one event; its effects and every reply are committed together
        (``capabilities``: the powers its channel declared, such as its own login)."""
        await self._process(event, direct=False, capabilities=capabilities)

    async def respond(
        self, event: InboundEvent, capabilities: frozenset[Capability] = frozenset()
    ) -> list[Reply]:
        """Process one event and return the replies meant for its sender, instead of queueing
        them (for channels that answer in place, such as Slack's ephemeral messages and modals).
        Messages for anyone else still go through the outbox."""
        return await self._process(event, direct=True, capabilities=capabilities)

    async def shown(self, to: Address, slot: str, shown_id: str, reference: str) -> None:
        """Remember a copy of a concern an adapter showed in place (such as Slack's details
        modal), so that erasing the concern, or its retention, reaches that copy too."""
        async with self._uow() as uow:
            await uow.posted.record(to, slot, shown_id, reference, self._clock.now())
            await uow.commit()

    async def _process(
        self, event: InboundEvent, direct: bool, capabilities: frozenset[Capability]
    ) -> list[Reply]:
        started = time.perf_counter()
        event = sanitised(event)  # here, so that no adapter can forget it
        try:
            queued = await self._handle(event, direct, capabilities)
        except Exception as error:
            # The type only: an exception's message may quote what the user wrote.
            log.error("turn failed: %s", type(error).__name__)
            queued = Queued(await self._apologise(event, direct), for_worker=not direct)
        await queued.hand_over(self._courier, self._on_outbox)
        metrics.UPDATES.inc(event.sender.address.channel)
        metrics.TURN_SECONDS.observe(time.perf_counter() - started)
        return queued.kept

    async def _handle(
        self, event: InboundEvent, direct: bool, capabilities: frozenset[Capability]
    ) -> Queued:
        address = event.sender.address
        async with self._uow() as uow:
            now = self._clock.now()
            if event.event_id is not None and not await uow.events.first_time(
                address.channel, event.event_id, now
            ):
                return Queued()  # a redelivery: its effect is already committed
            admission = await admit(uow, address, now, self._settings.limits)
            if not admission.allowed:
                # Dropped, but counted: the refill and the warning state are committed.
                mine = []
                if admission.warn:
                    known = await uow.members.by_address(address)
                    language = known.language if known is not None else event.sender.language
                    t = translator(language or self._settings.bot.default_language)
                    mine = [Reply(address, t(SLOW_DOWN))]
                queued = await queue(uow, mine, address, now, direct, self._courier)
                await uow.commit()
                log.warning("throttled a sender on %s", address.channel)
                return queued
            member, sealed = await uow.members.by_address_with_dialog(address)
            if member is None:
                replies = await self._stranger(uow, event, now)
            else:
                if member.unreachable and member.id is not None:
                    await uow.members.mark_unreachable(member.id, unreachable=False)
                    member.unreachable = False
                turn = Turn(
                    uow,
                    member,
                    address,
                    self._clock,
                    self._settings,
                    _now=now,
                    feeds=self._feeds,
                    capabilities=capabilities,
                )
                await self._router.route(turn, uow.dialogs.opened(sealed), event)
                replies = turn.replies
            queued = await queue(uow, replies, address, now, direct, self._courier)
            if direct and isinstance(event, FormSubmitted) and refused_only(replies):
                # Nothing changed; not committing lets the same form, sent again, be refused
                # again (its event id is not kept) instead of being taken for a redelivery.
                return queued
            await uow.commit()
            return queued

    async def _stranger(
        self, uow: UnitOfWork, event: InboundEvent, now: datetime
    ) -> list[Outgoing]:
        """An unknown sender: enrol them with a valid invite code, else explain the bot."""
        sender = event.sender
        default = self._settings.bot.default_language
        t = translator(sender.language or default)
        if isinstance(event, CommandReceived) and event.command == "start" and event.args:
            outcome = await redeem(uow, sender, event.args, now, default)
            if outcome.member is not None:
                await uow.access_log.add(
                    AccessLogEntry(
                        at=now,
                        actor_member_id=outcome.member.id,
                        action="enrol",
                        outcome="ok",
                        channel=sender.address.channel,
                    )
                )
                turn = Turn(
                    uow,
                    outcome.member,
                    sender.address,
                    self._clock,
                    self._settings,
                    _now=now,
                    feeds=self._feeds,
                )
                turn.say(
                    turn.t(WELCOME).format(
                        network=turn.network.name, organisation=turn.organisation.name
                    )
                )
                info.show_help(turn)
                return turn.replies
            return [Reply(sender.address, t(outcome.problem).format(minutes=outcome.minutes))]
        await uow.access_log.add(
            AccessLogEntry(
                at=now,
                actor_member_id=None,
                action="unknown_sender",
                outcome="denied",
                channel=sender.address.channel,
            )
        )
        text = t(UNKNOWN_USER).format(contact=self._settings.bot.public_contact)
        return [Reply(sender.address, text)]

    async def _apologise(self, event: InboundEvent, direct: bool) -> list[Reply]:
        t = translator(await self._language_of(event))
        reply = Reply(event.sender.address, t(FAILED))
        if direct:
            return [reply]
        async with self._uow() as uow:
            await uow.outbox.add(reply, self._clock.now())
            await uow.commit()
        return []

    async def _language_of(self, event: InboundEvent) -> str:
        """The sender's own language when they are a member, else their platform's or ours."""
        fallback = event.sender.language or self._settings.bot.default_language
        try:
            async with self._uow() as uow:
                member = await uow.members.by_address(event.sender.address)
        except Exception:  # the apology must not fail because storage does
            return fallback
        return fallback if member is None else member.language
