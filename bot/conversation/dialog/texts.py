"""Text answers: a short answer, a long text in several messages, pastes, forwarded texts."""

from __future__ import annotations

from dataclasses import replace

from bot.channels.events import TextReceived
from bot.channels.replies import Choice
from bot.conversation import long_text
from bot.conversation.dialog.choices import ambiguous, choose, match_option
from bot.conversation.dialog.navigation import again, bump, finished, go_on, render
from bot.conversation.dialog.state import DialogState, Said, Transition
from bot.conversation.dialog.steps import (
    DONE,
    FORWARDED,
    FORWARDED_NOTICE,
    FORWARDED_TOLD,
    MESSAGES,
    Answer,
    Answers,
    Dialog,
    Kind,
    Step,
    as_list,
)
from bot.conversation.text import MAX_MESSAGE_CHARS, clean
from bot.conversation.text_units import utf16_len
from bot.i18n import N_, Translate


def forwarded(
    dialog: Dialog, state: DialogState, step: Step, event: TextReceived, t: Translate
) -> Transition:
    """Store a forwarded text marked as such, and say so the first time in this dialog."""
    text = clean(event.text)
    marked = replace(event, text=f"{t(FORWARDED)}\n{text}" if text else "")
    transition = typed(dialog, state, step, marked, t)
    after = transition.state
    if transition.completed is None and (
        after is None or after.answers.get(step.key) == state.answers.get(step.key)
    ):
        return transition  # nothing was stored (empty, too long)
    if state.answers.get(FORWARDED_TOLD):
        return transition
    said = list(transition.said) or [Said("")]
    said[0] = replace(said[0], text=f"{t(FORWARDED_NOTICE)}\n\n{said[0].text}".strip())
    if after is not None:
        after = replace(after, answers={**after.answers, FORWARDED_TOLD: "yes"})
    return replace(transition, state=after, said=tuple(said))


def typed(
    dialog: Dialog, state: DialogState, step: Step, event: TextReceived, t: Translate
) -> Transition:
    """Apply a typed message to the current ``step``, whatever kind of answer it takes."""
    text = clean(event.text)
    if step.kind in (Kind.CHOICE, Kind.MULTI):
        picked = match_option(dialog, state, step, text, t)
        if picked is not None:
            return choose(dialog, state, step, picked, t)
        several = ambiguous(dialog, state, text, t)
        if several:
            lead = t(N_("Which one do you mean: {options}? Pick it below.")).format(
                options=" / ".join(several)
            )
            return again(dialog, state, t, lead)
        lead = t(N_("Please pick one of the options below, or type its name."))
        return again(dialog, state, t, lead)
    if not text:
        lead = t(N_("That message was empty. Please type your answer."))
        return again(dialog, state, t, lead)
    if step.kind is Kind.LONG_TEXT:
        return _long_text(dialog, state, step, event, t)
    if state.answers.get(long_text.PARTIAL) == state.nonce or long_text.is_piece(event.text):
        return _pasted(dialog, state, step, event, t)
    if len(text) > MAX_MESSAGE_CHARS and utf16_len(event.text) > MAX_MESSAGE_CHARS:
        # Measured both ways: whatever a platform could deliver in one message is taken.
        lead = t(
            N_(
                "That message is too long ({count} characters; at most {limit}). "
                "Please split it into several messages. Nothing of it was stored."
            )
        ).format(count=len(text), limit=MAX_MESSAGE_CHARS)
        return again(dialog, state, t, lead)
    answers = _with_message_id(state.answers, event)
    answers[step.key] = text
    return go_on(dialog, replace(state, answers=answers), step, t)


def _with_message_id(answers: Answers, event: TextReceived) -> dict[str, Answer]:
    kept = dict(answers)
    if event.message_id is not None:
        # Remembered so the chat can be cleared of the account once it is stored.
        kept[MESSAGES] = [*as_list(kept.get(MESSAGES)), event.message_id]
    return kept


def _long_text(
    dialog: Dialog, state: DialogState, step: Step, event: TextReceived, t: Translate
) -> Transition:
    parts = [] if state.replacing else as_list(state.answers.get(step.key))
    paste = long_text.Paste.from_answer(state.answers.get(long_text.PASTE), state.nonce)
    outcome = long_text.add(parts, event.text, paste, state.nonce, t)
    answers = (
        dict(state.answers) if outcome.parts is None else _with_message_id(state.answers, event)
    )
    answers.pop(long_text.PASTE, None)
    if outcome.paste is not None:
        answers[long_text.PASTE] = outcome.paste.to_answer()
    if outcome.parts is None:
        return Transition(
            replace(state, answers=answers), (render(dialog, state, t, outcome.lead),)
        )
    answers[step.key] = outcome.parts
    new = replace(state, answers=answers, replacing=False)
    more = Said(outcome.lead, (Choice(DONE, t(N_("Done"))),), new.nonce)
    return Transition(new, (more,))


def _pasted(
    dialog: Dialog, state: DialogState, step: Step, event: TextReceived, t: Translate
) -> Transition:
    """A short answer pasted at length: its pieces join there as in a long text, and the step
    goes on once a message ends the paste (or with Done), so no piece lands in the next answer."""
    if state.answers.get(long_text.PARTIAL) != state.nonce:
        # The first piece: the step's old buttons (Skip) go stale, so none drops what is kept.
        state = bump(state)
    current = state.answers.get(step.key)
    parts = [current] if state.answers.get(long_text.PARTIAL) == state.nonce and current else []
    paste = long_text.Paste.from_answer(state.answers.get(long_text.PASTE), state.nonce)
    outcome = long_text.add([str(p) for p in parts], event.text, paste, state.nonce, t)
    answers = (
        dict(state.answers) if outcome.parts is None else _with_message_id(state.answers, event)
    )
    answers.pop(long_text.PASTE, None)
    if outcome.paste is not None:
        answers[long_text.PASTE] = outcome.paste.to_answer()
    if outcome.parts is not None:
        answers[step.key] = "\n".join(outcome.parts)
        answers[long_text.PARTIAL] = state.nonce
    new = replace(state, answers=answers)
    if outcome.parts is not None and outcome.paste is None:
        return go_on(dialog, finished(new), step, t)  # the paste ended: go on
    if outcome.parts is None and not parts:
        return Transition(new, (render(dialog, new, t, outcome.lead),))
    return Transition(new, (Said(outcome.lead, (Choice(DONE, t(N_("Done"))),), new.nonce),))
