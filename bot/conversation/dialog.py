"""A pure dialog engine: (dialog, state, event) -> transition. No I/O, no clock, no randomness."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Union

from bot.channels.events import (
    ChoiceMade,
    CommandReceived,
    FormSubmitted,
    InboundEvent,
    TextReceived,
    UnsupportedReceived,
)
from bot.channels.replies import Choice
from bot.conversation import long_text
from bot.conversation.text import MAX_MESSAGE_CHARS, clean
from bot.conversation.text_units import utf16_len
from bot.i18n import N_, Translate

Answer = Union[str, list[str]]  # noqa: UP007 - a runtime alias
Answers = Mapping[str, Answer]

UNSUPPORTED = N_(
    "I can only read text messages, so I did not look at or keep what you just sent. "
    "Please describe it in words, without names."
)

MESSAGES = "_messages"
FORWARDED_TOLD = "_forwarded_told"
FORWARDED = N_("Forwarded message:")
"""Marks a forwarded text in the stored account: a source, not the reporter's own words."""
FORWARDED_NOTICE = N_(
    "I took that as a forwarded message: something you were sent, a source, not your own "
    "observation. It is stored marked as forwarded."
)
END = "__end__"
CANCEL = "__cancel__"
DONE = "done"
SKIP = "skip"


class Kind(StrEnum):
    """How a step takes its answer."""

    CHOICE = "choice"
    TEXT = "text"
    LONG_TEXT = "long_text"
    MULTI = "multi"


@dataclass(frozen=True)
class Option:
    """A choice offered by a step; ``label`` is a message id, translated when shown."""

    id: str
    label: str


Prompt = Callable[[Answers, Translate], str]
Next = Callable[[Answers], str]
Options = Callable[[Answers], tuple[Option, ...]]


@dataclass(frozen=True)
class Step:
    """One question: how it is asked, what it accepts and where it leads."""

    key: str
    prompt: str | Prompt
    kind: Kind = Kind.CHOICE
    options: tuple[Option, ...] | Options = ()
    next: str | Next = END
    label: str = ""
    skippable: bool = False
    picks_step_to_edit: bool = False

    def options_for(self, answers: Answers) -> tuple[Option, ...]:
        """The options offered, given the answers so far."""
        return self.options(answers) if callable(self.options) else self.options

    def next_for(self, answers: Answers) -> str:
        """The key of the step that follows, given the answers so far."""
        return self.next(answers) if callable(self.next) else self.next

    def text_for(self, answers: Answers, t: Translate) -> str:
        """The prompt, translated."""
        return self.prompt(answers, t) if callable(self.prompt) else t(self.prompt)


@dataclass(frozen=True)
class Dialog:
    """A named graph of steps with a first step and, optionally, a summary step."""

    name: str
    steps: tuple[Step, ...]
    first: str
    help: str
    cancelled: str = N_("Stopped. Nothing was stored.")
    summary: str | None = None

    def step(self, key: str) -> Step:
        """Return the step with this key."""
        for candidate in self.steps:
            if candidate.key == key:
                return candidate
        raise KeyError(key)


@dataclass(frozen=True)
class DialogState:
    """Where a member is in a dialog; stored after every turn."""

    dialog: str
    step: str
    answers: dict[str, Answer]
    instance: str
    turn: int = 0
    history: tuple[str, ...] = ()
    editing: bool = False
    replacing: bool = False
    """Editing a long text: the next message starts it afresh; Done or /back keeps the old one."""

    @property
    def nonce(self) -> str:
        """Identifies the current step's choices; changes whenever the step changes."""
        return f"{self.instance}.{self.turn}"

    def to_json(self) -> str:
        """Serialise for storage."""
        return json.dumps(
            {
                "dialog": self.dialog,
                "step": self.step,
                "answers": self.answers,
                "instance": self.instance,
                "turn": self.turn,
                "history": list(self.history),
                "editing": self.editing,
                "replacing": self.replacing,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> DialogState:
        """Rebuild a state stored by ``to_json``."""
        raw = json.loads(text)
        return cls(
            dialog=raw["dialog"],
            step=raw["step"],
            answers=dict(raw["answers"]),
            instance=raw["instance"],
            turn=int(raw["turn"]),
            history=tuple(raw["history"]),
            editing=bool(raw.get("editing", False)),
            replacing=bool(raw.get("replacing", False)),
        )


@dataclass(frozen=True)
class Said:
    """A message the engine wants shown to the member."""

    text: str
    choices: tuple[Choice, ...] = ()
    nonce: str | None = None


@dataclass(frozen=True)
class Transition:
    """The outcome of one turn."""

    state: DialogState | None
    said: tuple[Said, ...] = ()
    completed: dict[str, Answer] | None = None
    cancelled: bool = False
    unhandled: bool = False


def start(
    dialog: Dialog, instance: str, t: Translate, answers: Answers | None = None
) -> Transition:
    """Begin ``dialog``; ``instance`` is a short random id the caller makes."""
    state = DialogState(dialog.name, dialog.first, dict(answers or {}), instance, turn=1)
    return Transition(state, (render(dialog, state, t),))


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
        choices.append(Choice(option.id, label))
    if step.kind in (Kind.LONG_TEXT, Kind.MULTI):
        choices.append(Choice(DONE, t(N_("Done"))))
    if step.skippable and step.kind is Kind.TEXT:
        choices.append(Choice(SKIP, t(N_("Skip"))))
    body = f"{lead}\n\n{text}" if lead else text
    return Said(body, tuple(choices), state.nonce if choices else None)


def advance(dialog: Dialog, state: DialogState, event: InboundEvent, t: Translate) -> Transition:
    """Apply one event to ``state`` and say what follows."""
    if isinstance(event, CommandReceived):
        return _command(dialog, state, event.command, t)
    if isinstance(event, FormSubmitted):
        return Transition(state, unhandled=True)
    step = dialog.step(state.step)
    if isinstance(event, UnsupportedReceived):
        return Transition(state, (render(dialog, state, t, t(UNSUPPORTED)),))
    if isinstance(event, ChoiceMade):
        if event.nonce is not None and event.nonce != state.nonce:
            lead = t(N_("That question has expired; here is the current one."))
            return Transition(state, (render(dialog, state, t, lead),))
        return _choice(dialog, state, step, event.choice_id, t)
    if event.forwarded and dialog.step(state.step).kind in (Kind.TEXT, Kind.LONG_TEXT):
        return _forwarded(dialog, state, step, event, t)
    return _text(dialog, state, step, event, t)


def _forwarded(
    dialog: Dialog, state: DialogState, step: Step, event: TextReceived, t: Translate
) -> Transition:
    """Store a forwarded text marked as such, and say so the first time in this dialog."""
    text = clean(event.text)
    marked = replace(event, text=f"{t(FORWARDED)}\n{text}" if text else "")
    transition = _text(dialog, state, step, marked, t)
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


def _command(dialog: Dialog, state: DialogState, command: str, t: Translate) -> Transition:
    if command == "cancel":
        return Transition(None, (Said(t(dialog.cancelled)),), cancelled=True)
    if command == "back":
        if state.editing and dialog.summary:
            left = replace(state, editing=False, replacing=False)
            return _goto(dialog, left, dialog.summary, t, push=False)
        if not state.history:
            lead = t(N_("This is the first question; there is nothing to go back to."))
            return Transition(state, (render(dialog, state, t, lead),))
        previous = replace(state, step=state.history[-1], history=state.history[:-1])
        return Transition(_bump(previous), (render(dialog, _bump(previous), t),))
    if command == "help":
        lead = t(dialog.help) + "\n\n" + t(_NAVIGATION)
        return Transition(state, (render(dialog, state, t, lead),))
    return Transition(state, unhandled=True)


_NAVIGATION = N_("/back goes to the previous question, /cancel stops, /help shows this text.")


def _choice(
    dialog: Dialog, state: DialogState, step: Step, choice_id: str, t: Translate
) -> Transition:
    answers = dict(state.answers)
    option_ids = [o.id for o in step.options_for(answers)]
    if step.kind is Kind.CHOICE and choice_id in option_ids:
        answers[step.key] = choice_id
        if step.picks_step_to_edit:
            is_long = dialog.step(choice_id).kind is Kind.LONG_TEXT
            target = replace(state, answers=answers, editing=True, replacing=is_long)
            return _goto(dialog, target, choice_id, t)
        return _next(dialog, replace(state, answers=answers), step, t)
    if step.kind is Kind.MULTI and choice_id in option_ids:
        picked = list(_as_list(answers.get(step.key)))
        picked.remove(choice_id) if choice_id in picked else picked.append(choice_id)
        answers[step.key] = picked
        # A new nonce: a second tap on the same (now stale) buttons must not toggle it back.
        new = _bump(replace(state, answers=answers))
        return Transition(new, (render(dialog, new, t),))
    if step.kind is Kind.MULTI and choice_id == DONE:
        answers.setdefault(step.key, [])
        return _next(dialog, replace(state, answers=answers), step, t)
    if step.kind is Kind.LONG_TEXT and choice_id == DONE:
        if not _as_list(answers.get(step.key)):
            lead = t(N_("Nothing has been written yet. Please describe it first."))
            return Transition(state, (render(dialog, state, t, lead),))
        return _next(dialog, replace(state, replacing=False), step, t)
    if (
        step.kind is Kind.TEXT
        and choice_id == DONE
        and answers.get(long_text.PARTIAL) == (state.nonce)
    ):
        return _next(dialog, _finished(state), step, t)
    if step.kind is Kind.TEXT and step.skippable and choice_id == SKIP:
        answers[step.key] = ""
        return _next(dialog, replace(state, answers=answers), step, t)
    lead = t(N_("That is not one of the options. Please pick one below."))
    return Transition(state, (render(dialog, state, t, lead),))


def _text(
    dialog: Dialog, state: DialogState, step: Step, event: TextReceived, t: Translate
) -> Transition:
    text = clean(event.text)
    if step.kind in (Kind.CHOICE, Kind.MULTI):
        picked = _match_option(dialog, state, step, text, t)
        if picked is not None:
            return _choice(dialog, state, step, picked, t)
        lead = t(N_("Please pick one of the options below (type its number or tap it)."))
        return Transition(state, (render(dialog, state, t, lead),))
    if not text:
        lead = t(N_("That message was empty. Please type your answer."))
        return Transition(state, (render(dialog, state, t, lead),))
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
        return Transition(state, (render(dialog, state, t, lead),))
    answers = _with_message_id(state.answers, event)
    answers[step.key] = text
    return _next(dialog, replace(state, answers=answers), step, t)


def _with_message_id(answers: Answers, event: TextReceived) -> dict[str, Answer]:
    kept = dict(answers)
    if event.message_id is not None:
        # Remembered so the chat can be cleared of the account once it is stored.
        kept[MESSAGES] = [*_as_list(kept.get(MESSAGES)), event.message_id]
    return kept


def _long_text(
    dialog: Dialog, state: DialogState, step: Step, event: TextReceived, t: Translate
) -> Transition:
    parts = [] if state.replacing else _as_list(state.answers.get(step.key))
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
        state = _bump(state)
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
        return _next(dialog, _finished(new), step, t)  # the paste ended: go on
    if outcome.parts is None and not parts:
        return Transition(new, (render(dialog, new, t, outcome.lead),))
    return Transition(new, (Said(outcome.lead, (Choice(DONE, t(N_("Done"))),), new.nonce),))


def _finished(state: DialogState) -> DialogState:
    """Without the bookkeeping of a short answer taken over several messages."""
    answers = dict(state.answers)
    answers.pop(long_text.PARTIAL, None)
    answers.pop(long_text.PASTE, None)
    return replace(state, answers=answers)


def _match_option(
    dialog: Dialog, state: DialogState, step: Step, text: str, t: Translate
) -> str | None:
    shown = render(dialog, state, t).choices
    # isdecimal, not isdigit: int() refuses digits such as "²"; and very long numbers.
    if text.isdecimal() and len(text) < 10 and 1 <= int(text) <= len(shown):
        return shown[int(text) - 1].id
    folded = text.casefold().removeprefix("✓ ").strip()
    for choice in shown:
        if folded in (choice.label.casefold().removeprefix("✓ ").strip(), choice.id.casefold()):
            return choice.id
    return None


def _next(dialog: Dialog, state: DialogState, step: Step, t: Translate) -> Transition:
    target = step.next_for(state.answers)
    if state.editing and dialog.summary:
        while target not in (END, CANCEL, dialog.summary) and target in state.answers:
            target = dialog.step(target).next_for(state.answers)
        if target in (END, dialog.summary):
            return _goto(dialog, replace(state, editing=False), dialog.summary, t)
    if target == CANCEL:
        return Transition(None, (Said(t(dialog.cancelled)),), cancelled=True)
    if target == END:
        return Transition(None, completed=_on_path(dialog, state.answers))
    return _goto(dialog, state, target, t)


def _goto(
    dialog: Dialog, state: DialogState, key: str, t: Translate, push: bool = True
) -> Transition:
    history = (*state.history, state.step) if push else state.history
    moved = _bump(replace(state, step=key, history=history))
    return Transition(moved, (render(dialog, moved, t),))


def _bump(state: DialogState) -> DialogState:
    return replace(state, turn=state.turn + 1)


def _as_list(value: Answer | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


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


__all__ = [
    "CANCEL",
    "DONE",
    "END",
    "SKIP",
    "Answer",
    "Answers",
    "Dialog",
    "DialogState",
    "Kind",
    "Option",
    "Said",
    "Step",
    "Transition",
    "advance",
    "render",
    "start",
]
