"""Dialogs as data and the pure engine that runs them; the names callers use, in one place.

``steps`` holds what a dialog is made of, ``state`` where a member is and what a turn yields,
``engine`` the entry points, ``navigation``/``choices``/``texts`` how each kind of answer moves
the dialog on.
"""

from bot.conversation.dialog.engine import UNSUPPORTED, advance, start
from bot.conversation.dialog.navigation import render
from bot.conversation.dialog.resume import resumable
from bot.conversation.dialog.state import DialogState, Said, Transition
from bot.conversation.dialog.steps import (
    ADD,
    CANCEL,
    DONE,
    END,
    FORWARDED,
    FORWARDED_NOTICE,
    FORWARDED_TOLD,
    MESSAGES,
    REPLACE,
    SKIP,
    Answer,
    Answers,
    Dialog,
    Kind,
    Option,
    Step,
)

__all__ = [
    "ADD",
    "CANCEL",
    "DONE",
    "END",
    "FORWARDED",
    "FORWARDED_NOTICE",
    "FORWARDED_TOLD",
    "MESSAGES",
    "REPLACE",
    "SKIP",
    "UNSUPPORTED",
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
    "resumable",
    "start",
]
