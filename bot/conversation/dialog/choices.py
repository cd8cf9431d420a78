"""Choice answers: a tapped option, or an option typed by its number or label."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.channels.replies import numbered
from bot.conversation import long_text
from bot.conversation.dialog.navigation import again, bump, finished, go_on, goto, render
from bot.conversation.dialog.state import DialogState, Transition
from bot.conversation.dialog.steps import DONE, SKIP, Dialog, Kind, Step, as_list
from bot.i18n import N_, Translate


def choose(
    dialog: Dialog, state: DialogState, step: Step, choice_id: str, t: Translate
) -> Transition:
    """Apply the choice ``choice_id`` to the current ``step``."""
    answers = dict(state.answers)
    option_ids = [o.id for o in step.options_for(answers)]
    if step.kind is Kind.CHOICE and choice_id in option_ids:
        answers[step.key] = choice_id
        if step.picks_step_to_edit:
            is_long = dialog.step(choice_id).kind is Kind.LONG_TEXT
            target = replace(state, answers=answers, editing=True, replacing=is_long)
            return goto(dialog, target, choice_id, t)
        return go_on(dialog, replace(state, answers=answers), step, t)
    if step.kind is Kind.MULTI and choice_id in option_ids:
        picked = list(as_list(answers.get(step.key)))
        picked.remove(choice_id) if choice_id in picked else picked.append(choice_id)
        answers[step.key] = picked
        # A new nonce: a second tap on the same (now stale) buttons must not toggle it back.
        new = bump(replace(state, answers=answers))
        return Transition(new, (render(dialog, new, t),))
    if step.kind is Kind.MULTI and choice_id == DONE:
        answers.setdefault(step.key, [])
        return go_on(dialog, replace(state, answers=answers), step, t)
    if step.kind is Kind.LONG_TEXT and choice_id == DONE:
        if not as_list(answers.get(step.key)):
            lead = t(N_("Nothing has been written yet. Please describe it first."))
            return again(dialog, state, t, lead)
        return go_on(dialog, replace(state, replacing=False), step, t)
    if (
        step.kind is Kind.TEXT
        and choice_id == DONE
        and answers.get(long_text.PARTIAL) == (state.nonce)
    ):
        return go_on(dialog, finished(state), step, t)
    if step.kind is Kind.TEXT and step.skippable and choice_id == SKIP:
        answers[step.key] = ""
        return go_on(dialog, replace(state, answers=answers), step, t)
    lead = t(N_("That is not one of the options. Please pick one below."))
    return again(dialog, state, t, lead)


def match_option(
    dialog: Dialog, state: DialogState, step: Step, text: str, t: Translate
) -> str | None:
    """The id of the choice shown whose number or label ``text`` is, if any."""
    shown = render(dialog, state, t).choices
    # isdecimal, not isdigit: int() refuses digits such as "²"; and very long numbers.
    if text.isdecimal() and len(text) < 10:
        return next((c.id for n, c in numbered(shown) if n == int(text)), None)
    folded = fold(text)
    for choice in shown:
        if folded in (fold(choice.label), choice.id.casefold()):
            return choice.id
    partial = [choice.id for choice in shown if partly(folded, choice.label)]
    return partial[0] if len(partial) == 1 else None


def ambiguous(dialog: Dialog, state: DialogState, text: str, t: Translate) -> tuple[str, ...]:
    """The labels of the choices shown that ``text`` names in part, when it names several."""
    folded = fold(text)
    labels = tuple(c.label for c in render(dialog, state, t).choices if partly(folded, c.label))
    return labels if len(labels) > 1 else ()


MIN_PART = 3
"""A typed part names a label from this many letters on ("de" names nothing)."""


def fold(text: str) -> str:
    """``text`` for comparing: case, accents, a tick mark and extra spaces left out."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("✓", " "))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def partly(folded: str, label: str) -> bool:
    """True when each typed word starts a word of ``label`` (or the label starts with it)."""
    if len(folded) < MIN_PART:
        return False
    target = fold(label)
    words = re.findall(r"\w+", target)
    typed = re.findall(r"\w+", folded)
    return target.startswith(folded) or (
        bool(typed) and all(any(w.startswith(part) for w in words) for part in typed)
    )
