"""How a dialog plugs into the core: how it begins and what completing it does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.conversation.dialog import Answer, Dialog
from bot.conversation.turn import Turn
from bot.domain.model import Role

Begin = Callable[[Turn, str], Awaitable[dict[str, Answer] | None]]
Complete = Callable[[Turn, dict[str, Answer]], Awaitable[None]]
OnAnswer = Callable[[Turn, str, dict[str, Answer]], Awaitable[dict[str, Answer] | None]]
"""Called after an answer to the step named is recorded; returns answers to add, or None."""
OnCancel = Callable[[Turn, dict[str, Answer]], Awaitable[bool]]
"""Called when the member stops; True when it told the member itself what that means."""


async def no_context(turn: Turn, argument: str) -> dict[str, Answer] | None:
    """Begin with no initial answers."""
    return {}


EVERYONE: tuple[Role, ...] = tuple(Role)
"""Every role, for a dialog about one's own account (language, erasing it)."""


@dataclass(frozen=True)
class Flow:
    """A dialog with its entry (initial answers, or None to refuse) and its completion."""

    dialog: Dialog
    complete: Complete
    begin: Begin = no_context
    roles: tuple[Role, ...] = (Role.REPORTER, Role.COORDINATOR)
    keeps_account: bool = False
    on_answer: OnAnswer | None = None
    on_cancel: OnCancel | None = None
    busy: str | None = None
    """What to say when another dialog is asked for in the middle of this one (a message id)."""
