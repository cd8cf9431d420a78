"""A stored dialog state whose step a newer version of the dialog no longer has."""

from __future__ import annotations

from dataclasses import replace

from bot.conversation.dialog.state import DialogState
from bot.conversation.dialog.steps import CANCEL, END, Dialog


def resumable(dialog: Dialog, state: DialogState) -> DialogState:
    """``state`` as it is, or, when its step was removed in an upgrade, moved to the first step
    on the path its answers lead along that has no answer yet (every answer is kept)."""
    keys = {step.key for step in dialog.steps}
    if state.step in keys:
        return state
    key = dialog.first
    seen: set[str] = set()
    while key in state.answers and key not in seen and key not in (END, CANCEL):
        seen.add(key)
        key = dialog.step(key).next_for(state.answers)
    if key in (END, CANCEL) or key in seen:
        key = dialog.summary or dialog.first
    history = tuple(k for k in state.history if k in keys)
    return replace(state, step=key, history=history, editing=False, replacing=False)
