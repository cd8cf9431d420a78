"""Coordinators' copies of an account: shown in their chat on request, deleted from it soon after.

A chat app may let a bot delete its own messages only for a while (Telegram: 48 hours), so the
copies go well within that window; one past it is kept on record, so that erasing the concern
can say honestly that it stayed."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime, timedelta

from bot.channels.events import Address
from bot.channels.replies import Outgoing, Removal
from bot.settings import Settings
from bot.storage.posted import Posted
from bot.storage.uow import UnitOfWork

DETAILS = "details:"
"""The slots of the copies start with this, then the concern's reference and the opening."""
SHEET = "casesheet:"
"""The slots of case sheets sent to a coordinator (text and file): removed as copies are."""
COPIES = (DETAILS, SHEET)
REMOVABLE_FOR = timedelta(hours=48)
"""The shortest time within which a chat app lets a bot delete its message (Telegram's)."""
_MARGIN = timedelta(minutes=1)
"""A deletion reaches the platform a little after it was decided."""


def removable_since(now: datetime) -> datetime:
    """The oldest a copy may be for a deletion asked for ``now`` to still succeed."""
    return now - REMOVABLE_FOR + _MARGIN


def details_copy(reference: str) -> str:
    """A slot of its own for one opening of a concern's account (each part adds ``:n``)."""
    return f"{DETAILS}{reference}:{secrets.token_hex(4)}"


def sheet_copy(reference: str) -> str:
    """A slot of its own for one case sheet of a concern (each part adds ``:n``)."""
    return f"{SHEET}{reference}:{secrets.token_hex(4)}"


def unremovable(copies: list[Posted], now: datetime) -> int:
    """How many openings of an account (each a message or several) were shown so long ago
    that they cannot be deleted any more."""
    return len(
        {
            c.slot.rpartition(":")[0]
            for c in copies
            if c.slot.startswith(COPIES) and c.at is not None and c.at < removable_since(now)
        }
    )


def removals(copies: list[Posted]) -> list[Removal]:
    """One removal per chat for these messages."""
    by_chat: dict[Address, list[str]] = defaultdict(list)
    for copy in copies:
        by_chat[copy.address].append(copy.message_id)
    return [Removal(address, tuple(ids)) for address, ids in by_chat.items()]


async def run_details_removal(uow: UnitOfWork, settings: Settings, at: datetime) -> list[Outgoing]:
    """Delete the accounts (and case sheets) shown in chats ``details_removal_hours`` ago or
    longer (while the chat still allows it), and forget them."""
    shown_before = at - timedelta(hours=settings.scheduler.details_removal_hours)
    copies = [
        copy
        for prefix in COPIES
        for copy in await uow.posted.shown_between(prefix, removable_since(at), shown_before)
    ]
    by_chat: dict[Address, list[str]] = defaultdict(list)
    for copy in copies:
        by_chat[copy.address].append(copy.slot)
    for address, slots in by_chat.items():
        await uow.posted.forget(address, slots)
    return list(removals(copies))
