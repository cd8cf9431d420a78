"""The pure dialog engine: (dialog, state, event) -> transition. No I/O, no clock, no randomness."""

from __future__ import annotations

from dataclasses import replace

from bot.channels.events import (
    ChoiceMade,
    CommandReceived,
    FormSubmitted,
    HomeOpened,
    InboundEvent,
    UnsupportedReceived,
)
from bot.conversation.dialog.choices import choose
from bot.conversation.dialog.navigation import again, bump, goto, render
from bot.conversation.dialog.state import DialogState, Said, Transition
from bot.conversation.dialog.steps import Answers, Dialog, Kind
from bot.conversation.dialog.texts import forwarded, typed
from bot.i18n import N_, Translate

UNSUPPORTED = N_(
    "I can only read text messages, so I did not look at or keep what you just sent. "
    "Please describe it in words, without names."
)


def start(
    dialog: Dialog, instance: str, t: Translate, answers: Answers | None = None
) -> Transition:
    """Begin ``dialog``; ``instance`` is a short random id the caller makes."""
    state = DialogState(dialog.name, dialog.first, dict(answers or {}), instance, turn=1)
    return Transition(state, (render(dialog, state, t),))


def advance(dialog: Dialog, state: DialogState, event: InboundEvent, t: Translate) -> Transition:
    """Apply one event to ``state`` and say what follows."""
    if isinstance(event, CommandReceived):
        return _command(dialog, state, event.command, t)
    if isinstance(event, FormSubmitted | HomeOpened):
        return Transition(state, unhandled=True)
    step = dialog.step(state.step)
    if isinstance(event, UnsupportedReceived):
        return again(dialog, state, t, t(UNSUPPORTED))
    if isinstance(event, ChoiceMade):
        if event.nonce != state.nonce:  # stale, forged, or not from this step's message
            lead = t(N_("That question has expired; here is the current one."))
            return again(dialog, state, t, lead)
        return choose(dialog, state, step, event.choice_id, t)
    if event.forwarded and dialog.step(state.step).kind in (Kind.TEXT, Kind.LONG_TEXT):
        return forwarded(dialog, state, step, event, t)
    return typed(dialog, state, step, event, t)


def _command(dialog: Dialog, state: DialogState, command: str, t: Translate) -> Transition:
    if command == "cancel":
        return Transition(None, (Said(t(dialog.cancelled)),), cancelled=True)
    if command == "back":
        if state.editing and dialog.summary:
            left = replace(state, editing=False, replacing=False)
            return goto(dialog, left, dialog.summary, t, push=False)
        if not state.history:
            lead = t(N_("This is the first question; there is nothing to go back to."))
            return again(dialog, state, t, lead)
        previous = replace(state, step=state.history[-1], history=state.history[:-1])
        return Transition(bump(previous), (render(dialog, bump(previous), t),))
    if command == "help":
        lead = t(dialog.help) + "\n\n" + t(_NAVIGATION)
        return again(dialog, state, t, lead)
    return Transition(state, unhandled=True)


_NAVIGATION = N_("/back goes to the previous question, /cancel stops, /help shows this text.")
