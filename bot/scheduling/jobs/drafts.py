"""Unfinished conversations: one reminder, then deletion with a word to the member."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.channels.replies import Outgoing, Reply
from bot.i18n import N_, duration, translator
from bot.settings import Settings
from bot.storage.uow import UnitOfWork

ACCOUNT_DIALOG = "share_concern"
REMINDER = N_(
    "You started sharing a concern but did not finish. Continue where you were (/help shows "
    "the question), or stop with /cancel. Unfinished answers are deleted after {duration}."
)
DELETED = N_(
    "Your unfinished concern was deleted after {duration}; nothing was shared. "
    "Start again with /new whenever you like."
)

REMINDER_ACUTE = N_(
    "You started sharing an acute concern ({reference}) and did not finish; the acute alert was "
    "sent. Continue where you were to add what you know (/help shows the question), or stop "
    "with /cancel. Unanswered questions are dropped after {duration}."
)
DELETED_ACUTE = N_(
    "Your unfinished conversation was closed after {duration}; the acute alert was sent "
    "({reference}), and what you answered until then stays with the coordinator."
)
ACUTE_REFERENCE = "_acute_reference"
"""Set in the answers once an acute alert went out at the safety answer (see the share flow)."""


async def _alerted(uow: UnitOfWork, member_id: int) -> str:
    """The reference of the acute alert this member's unfinished account already raised."""
    state = await uow.dialogs.load(member_id)
    return str(state.answers.get(ACUTE_REFERENCE) or "") if state is not None else ""


async def run_drafts(uow: UnitOfWork, settings: Settings, at: datetime) -> list[Outgoing]:
    """Remind members with a stale draft once; delete drafts past the expiry, telling them."""
    limits = settings.scheduler
    hours = limits.draft_expiry_hours
    expire_before = at - timedelta(hours=hours)
    out: list[Outgoing] = []
    for draft in await uow.dialogs.idle_since(at - timedelta(hours=limits.draft_reminder_hours)):
        member = await uow.members.get(draft.member_id)
        address = await uow.members.address_of(draft.member_id)
        t = translator(member.language if member else settings.bot.default_language)
        tell = draft.dialog == ACCOUNT_DIALOG and address is not None
        reference = await _alerted(uow, draft.member_id) if tell else ""
        span = duration(t, hours=hours)
        if draft.updated_at < expire_before:
            await uow.dialogs.clear(draft.member_id)
            if tell and address is not None:
                text = t(DELETED_ACUTE if reference else DELETED)
                out.append(Reply(address, text.format(duration=span, reference=reference)))
        elif draft.reminded_at is None and tell and address is not None:
            await uow.dialogs.mark_reminded(draft.member_id, at)
            text = t(REMINDER_ACUTE if reference else REMINDER)
            out.append(Reply(address, text.format(duration=span, reference=reference)))
    return out
