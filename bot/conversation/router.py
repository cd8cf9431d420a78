"""Where an event goes inside a turn: the active dialog, a command, an action or a form."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace

from bot.channels.events import (
    ChoiceMade,
    CommandReceived,
    FormSubmitted,
    HomeOpened,
    InboundEvent,
    TextReceived,
    UnsupportedReceived,
)
from bot.channels.replies import Reply
from bot.conversation import commands
from bot.conversation.commands import registered_commands as registered_commands
from bot.conversation.dialog import (
    UNSUPPORTED,
    DialogState,
    Transition,
    advance,
    render,
    resumable,
    start,
)
from bot.conversation.flows import Flow
from bot.conversation.home import open_home
from bot.conversation.turn import Turn
from bot.i18n import N_
from bot.usecases import additions, forms, relay

STILL_IN_DIALOG = N_("You are still in the middle of a conversation; here is where you were.")
MID_ACCOUNT = N_(
    "You are in the middle of sharing a concern. Finish it first, or stop it with /cancel."
)
FOREIGN_CHOICE = N_(
    "That option belongs to another message, not to the question open now, so nothing was "
    "done with it. Finish this question or stop it with /cancel; then use that option again."
)
IDLE = N_(
    "I am not asking you anything right now. Use /new to share a concern, "
    "or /help for everything else."
)


async def _hooked(
    turn: Turn, flow: Flow, before: DialogState, transition: Transition
) -> Transition:
    """Let the flow act on a recorded answer or on a stop, before the dialog's reply is said."""
    if transition.cancelled and flow.on_cancel is not None:
        if await flow.on_cancel(turn, before.answers):
            return replace(transition, said=())
        return transition
    after = transition.state
    if flow.on_answer is None or after is None or after.answers == before.answers:
        return transition
    extra = await flow.on_answer(turn, before.step, after.answers)
    if not extra:
        return transition
    return replace(transition, state=replace(after, answers={**after.answers, **extra}))


def _own(state: DialogState, event: ChoiceMade) -> bool:
    """True for a second press on the button that opened this dialog (same action, same
    concern): the only action taken while a dialog is open."""
    _, verb, argument = ([*event.choice_id.split(":", 2), "", ""])[:3]
    reference = argument.partition("~")[0]
    opened = commands.FLOW_ACTIONS.get(verb) == state.dialog
    return opened and str(state.answers.get("_reference", reference)) == reference


class Router:
    """Sends each event of a turn to the right handler."""

    def __init__(self, flows: Mapping[str, Flow]) -> None:
        self._flows = flows

    async def route(self, turn: Turn, state: DialogState | None, event: InboundEvent) -> None:
        """Handle ``event`` for the member of ``turn``, whose dialog state is ``state``."""
        if state is not None and (stored := self._flows.get(state.dialog)) is not None:
            state = resumable(stored.dialog, state)  # a step an upgrade removed
        if isinstance(event, HomeOpened):
            await open_home(turn)  # beside any dialog: it neither answers nor stops one
            return
        if isinstance(event, ChoiceMade) and event.choice_id.startswith("act:"):
            if state is not None and state.dialog in self._flows and not _own(state, event):
                # Only the open step's own choices are taken while a dialog is open: an alert's
                # button (or a number meant for the step) never acts on another concern.
                await turn.log("foreign_choice", "refused")
                self._remind(turn, state, FOREIGN_CHOICE)
                return
            await self._action(turn, state, event.choice_id)
            return
        if isinstance(event, FormSubmitted):
            await forms.submit(turn, event.form, event.values)
            return
        if isinstance(event, TextReceived) and event.reply_to is not None:
            replied = await relay.replied_question(turn, event.reply_to)
            if replied is not None:  # a reply to the question's own message answers it
                await relay.answer_question(turn, replied, event.text, typed=True)
                self._remind(turn, state)
                return
            about = await additions.replied_concern(turn, event.reply_to)
            if about is not None:  # a reply to any other message about a concern adds to it
                await additions.add_to_concern(turn, about, event.text)
                self._remind(turn, state)
                return
        flow = self._flows.get(state.dialog) if state is not None else None
        if state is not None and flow is not None:
            transition = advance(flow.dialog, state, event, turn.t)
            if not transition.unhandled:
                first = len(turn.replies)  # what a flow's stop hook says ends the dialog too
                hooked = await _hooked(turn, flow, state, transition)
                await self._apply(turn, flow, hooked, first)
                return
        elif state is not None:
            await turn.uow.dialogs.clear(turn.member_id)
            state = None
        if isinstance(event, CommandReceived):
            await self._command(turn, state, event)
        elif isinstance(event, ChoiceMade):
            turn.say(turn.t(N_("That question has expired. /help shows what you can do.")))
        elif isinstance(event, TextReceived) and state is None and await self._answers(turn, event):
            return
        elif isinstance(event, UnsupportedReceived):
            turn.say(turn.t(UNSUPPORTED))
        else:
            turn.say(turn.t(IDLE))

    async def _answers(self, turn: Turn, event: TextReceived) -> bool:
        """Free text with no dialog running answers the member's open question, if any."""
        waiting = await relay.waiting_questions(turn)
        if len(waiting) == 1:
            await relay.answer_question(turn, str(waiting[0][0].id), event.text, typed=True)
        elif waiting:
            await self.start_flow(turn, None, "which_question", event.text)
        return bool(waiting)

    async def _apply(
        self, turn: Turn, flow: Flow, transition: Transition, first: int | None = None
    ) -> None:
        first = len(turn.replies) if first is None else first
        for said in transition.said:
            turn.say(said.text, said.choices, said.nonce)
        if transition.completed is not None:
            await turn.uow.dialogs.clear(turn.member_id)
            await flow.complete(turn, transition.completed)
        elif transition.state is None:
            await turn.uow.dialogs.clear(turn.member_id)
        else:
            await turn.uow.dialogs.save(turn.member_id, transition.state, turn.now)
            return
        turn.replies[first:] = [
            replace(r, ends_dialog=True)
            if isinstance(r, Reply) and r.to == turn.address and r.nonce is None
            else r
            for r in turn.replies[first:]
        ]

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
            said = render(current.dialog, state, turn.t, turn.t(current.busy or MID_ACCOUNT))
            turn.say(said.text, said.choices, said.nonce)
            return
        initial = await flow.begin(turn, argument)
        if initial is None:
            return
        await self._apply(turn, flow, start(flow.dialog, secrets.token_hex(3), turn.t, initial))

    async def _command(self, turn: Turn, state: DialogState | None, event: CommandReceived) -> None:
        name, args = event.command, event.args
        if name in commands.FLOW_COMMANDS:
            await self.start_flow(turn, state, commands.FLOW_COMMANDS[name])
            return
        if name in commands.FLOW_COMMANDS_WITH_ARGS:
            await self.start_flow(turn, state, commands.FLOW_COMMANDS_WITH_ARGS[name], args)
            return
        if name in commands.SIMPLE:
            commands.SIMPLE[name](turn)
        elif name in commands.NO_ARGS:
            await commands.NO_ARGS[name](turn)
        elif name in commands.WITH_ARGS:
            await commands.WITH_ARGS[name](turn, args)
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
        if verb in commands.FLOW_ACTIONS:
            await self.start_flow(turn, state, commands.FLOW_ACTIONS[verb], argument)
            return
        if verb in commands.DIRECT_ACTIONS:
            await commands.DIRECT_ACTIONS[verb](turn, argument)
        else:
            turn.say(turn.t(N_("That button is no longer valid.")))
        self._remind(turn, state)

    def _remind(self, turn: Turn, state: DialogState | None, lead: str = STILL_IN_DIALOG) -> None:
        flow = self._flows.get(state.dialog) if state is not None else None
        if state is not None and flow is not None:
            said = render(flow.dialog, state, turn.t, turn.t(lead))
            turn.say(said.text, said.choices, said.nonce)
