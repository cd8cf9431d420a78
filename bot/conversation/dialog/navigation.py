"""Showing the current step and moving between steps: forward, to a step, to the end."""

from __future__ import annotations

from dataclasses import replace

from bot.channels.replies import Choice
from bot.conversation import long_text
from bot.conversation.dialog.state import DialogState, Said, Transition
from bot.conversation.dialog.steps import (
    CANCEL,
    DONE,
    END,
    REPLACE,
    SKIP,
    Answer,
    Answers,
    Dialog,
    Kind,
    Step,
)
from bot.i18n import N_, Translate


def render(dialog: Dialog, state: DialogState, t: Translate, lead: str = "") -> Said:
    """Show the current step, optionally after a short ``lead`` line."""
    step = dialog.step(state.step)
    text = step.text_for(state.answers, t)
    choices: list[Choice] = []
    chosen = state.answers.get(step.key)
    for option in step.options_for(state.answers):
        label = t(option.label)
        if step.kind is Kind.MULTI and isinstance(chosen, list) and option.id in chosen:
            label = "✓ " + label
        choices.append(Choice(option.id, label, option.position))
    if step.kind in (Kind.LONG_TEXT, Kind.MULTI):
        choices.append(Choice(DONE, t(N_("Done"))))
    if step.skippable and step.kind is Kind.TEXT:
        choices.append(Choice(SKIP, t(N_("Skip"))))
    body = f"{lead}\n\n{text}" if lead else text
    # The nonce even without choices: a channel can tell a step is open, and whose it is.
    return Said(body, tuple(choices), state.nonce)


def again(dialog: Dialog, state: DialogState, t: Translate, lead: str) -> Transition:
    """Stay on the current step and show it again after ``lead``."""
    return Transition(state, (render(dialog, state, t, lead),))


def go_on(dialog: Dialog, state: DialogState, step: Step, t: Translate) -> Transition:
    """Leave ``step`` (answered) for the step it leads to, the summary, or the end."""
    target = step.next_for(state.answers)
    if step.adds_or_replaces:
        afresh = state.answers.get(step.key) == REPLACE
        return goto(dialog, replace(state, replacing=afresh), target, t)
    if state.editing and dialog.summary:
        while target not in (END, CANCEL, dialog.summary) and target in state.answers:
            target = dialog.step(target).next_for(state.answers)
        if target in (END, dialog.summary):
            return goto(dialog, replace(state, editing=False), dialog.summary, t)
    if target == CANCEL:
        return Transition(None, (Said(t(dialog.cancelled)),), cancelled=True)
    if target == END:
        return Transition(None, completed=_on_path(dialog, state.answers))
    return goto(dialog, state, target, t)


def goto(
    dialog: Dialog, state: DialogState, key: str, t: Translate, push: bool = True
) -> Transition:
    """Move to the step ``key``, remembering the current one for /back unless ``push`` is off."""
    history = (*state.history, state.step) if push else state.history
    moved = bump(replace(state, step=key, history=history))
    return Transition(moved, (render(dialog, moved, t),))


def bump(state: DialogState) -> DialogState:
    """The same state with a new turn, so the choices shown before go stale."""
    return replace(state, turn=state.turn + 1)


def finished(state: DialogState) -> DialogState:
    """Without the bookkeeping of a short answer taken over several messages."""
    answers = dict(state.answers)
    answers.pop(long_text.PARTIAL, None)
    answers.pop(long_text.PASTE, None)
    return replace(state, answers=answers)


def _on_path(dialog: Dialog, answers: Answers) -> dict[str, Answer]:
    """Keep only the answers on the path the final answers lead along."""
    kept: dict[str, Answer] = {
        k: v
        for k, v in answers.items()
        if k.startswith("_") and k not in (long_text.PASTE, long_text.PARTIAL)
    }
    key = dialog.first
    seen: set[str] = set()
    while key not in (END, CANCEL) and key not in seen:
        seen.add(key)
        step = dialog.step(key)
        if key in answers:
            kept[key] = answers[key]
        key = step.next_for(answers)
    return kept
