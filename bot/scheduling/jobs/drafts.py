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
        if draft.updated_at < expire_before:
            await uow.dialogs.clear(draft.member_id)
            if tell and address is not None:
                out.append(Reply(address, t(DELETED).format(duration=duration(t, hours=hours))))
        elif draft.reminded_at is None and tell and address is not None:
            await uow.dialogs.mark_reminded(draft.member_id, at)
            out.append(Reply(address, t(REMINDER).format(duration=duration(t, hours=hours))))
    return out
