"""The core: one event in, one transaction, replies out through the outbox."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.dialog import UNSUPPORTED, DialogState, Transition, advance, render, start
from bot.events import ChoiceMade, CommandReceived, InboundEvent, UnsupportedReceived
from bot.flows import Flow
from bot.i18n import N_, translator
from bot.model import AccessLogEntry
from bot.replies import Reply
from bot.storage.uow import UnitOfWork, UnitOfWorkFactory
from bot.turn import Turn
from bot.usecases import info, reporting, triage
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
STILL_IN_DIALOG = N_("You are still in the middle of a conversation; here is where you were.")


class Bot:
    """Handles inbound events: commands, actions and dialog turns."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        settings: Settings,
        flows: Mapping[str, Flow],
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings
        self._flows = flows
        self._on_outbox = on_outbox

    async def handle(self, event: InboundEvent) -> None:
        """Process one event; its effects and replies are committed together."""
        try:
            await self._handle(event)
        except Exception as error:
            # The type only: an exception's message may quote what the user wrote.
            log.error("turn failed: %s", type(error).__name__)
            await self._apologise(event)
        self._on_outbox()

    async def _handle(self, event: InboundEvent) -> None:
        address = event.sender.address
        async with self._uow() as uow:
            now = self._clock.now()
            if event.event_id is not None and not await uow.events.first_time(
                address.channel, event.event_id, now
            ):
                return  # a redelivery: its effect is already committed
            member = await uow.members.by_address(address)
            if member is None:
                await self._stranger(uow, event, now)
                await uow.commit()
                return
            turn = Turn(uow, member, address, self._clock, self._settings, _now=now)
            assert member.id is not None
            state = await uow.dialogs.load(member.id)
            await self._route(turn, state, event)
            for reply in turn.replies:
                await uow.outbox.add(reply, turn.now)
            await uow.commit()

    async def _stranger(self, uow: UnitOfWork, event: InboundEvent, now: datetime) -> None:
        """An unknown sender: enrol them with a valid invite code, else explain the bot."""
        sender = event.sender
        default = self._settings.bot.default_language
        t = translator(sender.language or default)
        if isinstance(event, CommandReceived) and event.command == "start" and event.args:
            outcome = await redeem(uow, sender, event.args, now, default)
            if outcome.member is not None:
                turn = Turn(
                    uow, outcome.member, sender.address, self._clock, self._settings, _now=now
                )
                await uow.access_log.add(
                    AccessLogEntry(
                        at=now,
                        actor_member_id=outcome.member.id,
                        action="enrol",
                        outcome="ok",
                        channel=sender.address.channel,
                    )
                )
                turn.say(
                    turn.t(WELCOME).format(
                        network=turn.network.name, organisation=turn.organisation.name
                    )
                )
                info.show_help(turn)
                for reply in turn.replies:
                    await uow.outbox.add(reply, now)
                return
            await uow.outbox.add(Reply(sender.address, t(outcome.problem)), now)
            return
        text = t(UNKNOWN_USER).format(contact=self._settings.bot.public_contact)
        await uow.outbox.add(Reply(sender.address, text), now)

    async def _apologise(self, event: InboundEvent) -> None:
        t = translator(event.sender.language or self._settings.bot.default_language)
        async with self._uow() as uow:
            await uow.outbox.add(Reply(event.sender.address, t(FAILED)), self._clock.now())
            await uow.commit()

    async def _route(self, turn: Turn, state: DialogState | None, event: InboundEvent) -> None:
        if isinstance(event, ChoiceMade) and event.choice_id.startswith("act:"):
            await self._action(turn, state, event.choice_id)
            return
        flow = self._flows.get(state.dialog) if state is not None else None
        if state is not None and flow is not None:
            transition = advance(flow.dialog, state, event, turn.t)
            if not transition.unhandled:
                await self._apply(turn, flow, transition)
                return
        elif state is not None:
            await turn.uow.dialogs.clear(turn.member_id)
            state = None
        if isinstance(event, CommandReceived):
            await self._command(turn, state, event)
        elif isinstance(event, ChoiceMade):
            turn.say(turn.t(N_("That question has expired. /help shows what you can do.")))
        elif isinstance(event, UnsupportedReceived):
            turn.say(turn.t(UNSUPPORTED))
        else:
            turn.say(
                turn.t(
                    N_(
                        "I am not asking you anything right now. Use /new to share a concern, "
                        "or /help for everything else."
                    )
                )
            )

    async def _apply(self, turn: Turn, flow: Flow, transition: Transition) -> None:
        for said in transition.said:
            turn.say(said.text, said.choices, said.nonce)
        if transition.completed is not None:
            await turn.uow.dialogs.clear(turn.member_id)
            await flow.complete(turn, transition.completed)
        elif transition.state is None:
            await turn.uow.dialogs.clear(turn.member_id)
        else:
            await turn.uow.dialogs.save(turn.member_id, transition.state, turn.now)

    async def start_flow(
        self, turn: Turn, state: DialogState | None, name: str, argument: str = ""
    ) -> None:
        """Begin the named dialog unless the member is in the middle of an account."""
        flow = self._flows[name]
        if turn.member.role not in flow.roles:
            turn.say(turn.t(N_("That is not available for your role.")))
            return
        current = self._flows.get(state.dialog) if state is not None else None
        if state is not None and current is not None and current.keeps_account:
            lead = turn.t(
                N_(
                    "You are in the middle of sharing a concern. Finish it first, "
                    "or stop it with /cancel."
                )
            )
            said = render(current.dialog, state, turn.t, lead)
            turn.say(said.text, said.choices, said.nonce)
            return
        initial = await flow.begin(turn, argument)
        if initial is None:
            return
        await self._apply(turn, flow, start(flow.dialog, secrets.token_hex(3), turn.t, initial))

    async def _command(self, turn: Turn, state: DialogState | None, event: CommandReceived) -> None:
        name, args = event.command, event.args
        simple = {
            "start": info.show_help,
            "help": info.show_help,
            "privacy": info.show_privacy,
            "network": info.show_network,
            "procedure": info.show_procedure,
        }
        if name in simple:
            simple[name](turn)
        elif name == "new":
            await self.start_flow(turn, state, "share_concern")
            return
        elif name == "language":
            await self.start_flow(turn, state, "language")
            return
        elif name == "settings":
            await self.start_flow(turn, state, "settings")
            return
        elif name == "status":
            await reporting.show_status(turn)
        elif name == "list":
            await triage.list_open(turn)
        elif name == "show" and args:
            await triage.show_card(turn, args)
        elif name in ("cancel", "back"):
            turn.say(turn.t(N_("There is nothing to stop or go back to right now.")))
        else:
            turn.say(
                turn.t(N_("I do not know the command /{name}. /help lists what I can do.")).format(
                    name=name[:32]
                )
            )
        self._remind(turn, state)

    async def _action(self, turn: Turn, state: DialogState | None, choice_id: str) -> None:
        _, verb, argument = ([*choice_id.split(":", 2), "", ""])[:3]
        starts = {"ask": "ask_reporter", "status": "set_status", "answer": "answer_question"}
        direct = {
            "show": triage.show_card,
            "details": triage.view_details,
            "ack": triage.acknowledge,
            "assign": triage.assign_to_self,
        }
        if verb in starts:
            await self.start_flow(turn, state, starts[verb], argument)
            return
        if verb in direct:
            await direct[verb](turn, argument)
        else:
            turn.say(turn.t(N_("That button is no longer valid.")))
        self._remind(turn, state)

    def _remind(self, turn: Turn, state: DialogState | None) -> None:
        flow = self._flows.get(state.dialog) if state is not None else None
        if state is not None and flow is not None:
            said = render(flow.dialog, state, turn.t, turn.t(STILL_IN_DIALOG))
            turn.say(said.text, said.choices, said.nonce)
