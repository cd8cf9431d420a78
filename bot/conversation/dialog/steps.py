"""What a dialog is made of: steps, their kinds and options, and the answers they collect."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Union

from bot.i18n import N_, Translate

Answer = Union[str, list[str]]  # noqa: UP007 - a runtime alias
Answers = Mapping[str, Answer]

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
ADD = "add"
REPLACE = "replace"


class Kind(StrEnum):
    """How a step takes its answer."""

    CHOICE = "choice"
    TEXT = "text"
    LONG_TEXT = "long_text"
    MULTI = "multi"


@dataclass(frozen=True)
class Option:
    """A choice offered by a step; ``label`` is a message id, translated when shown;
    ``position`` its fixed number, whichever other options the step leaves out."""

    id: str
    label: str
    position: int | None = None


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
    adds_or_replaces: bool = False
    """Answered ``ADD`` or ``REPLACE``: its next step (a long text) is asked again, even in an
    edit, and either keeps the old text to add to or starts it afresh."""

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


def as_list(value: Answer | None) -> list[str]:
    """An answer as a list of strings (a single text is a list of one)."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
