"""Where a member is in a dialog, and what one turn of the engine produces."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.channels.replies import Choice
from bot.conversation.dialog.steps import Answer


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
