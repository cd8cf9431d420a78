"""Whether a concern's reporter is still there: after /forgetme their account has no way to
reach them left, and the coordinator reads that the reporter left (not that they refused)."""

from __future__ import annotations

from bot.domain.model import Concern
from bot.storage.uow import UnitOfWork


async def reporter_left(uow: UnitOfWork, concern: Concern) -> bool:
    """True when the reporter erased their account (no channel identity is left)."""
    if concern.reporter_id is None:
        return True
    return await uow.members.address_of(concern.reporter_id) is None
