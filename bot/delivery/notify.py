"""Messages to a member in their own language, on the channel they were last seen on."""

from __future__ import annotations

from collections.abc import Callable, Collection

from bot.channels.replies import Choice, Reply
from bot.domain.model import Role
from bot.i18n import Translate, translator
from bot.storage.uow import UnitOfWork

Compose = Callable[[Translate], tuple[str, tuple[Choice, ...]]]


async def message_for(
    uow: UnitOfWork, member_id: int, compose: Compose, skip_channels: Collection[str] = ()
) -> Reply | None:
    """The reply for ``member_id`` composed in their language, or None when unreachable (or a
    coordinator on one of ``skip_channels``, where they follow concerns in a shared feed)."""
    recipient = await uow.members.get(member_id)
    address = await uow.members.address_of(member_id)
    if recipient is None or address is None:
        return None
    if address.channel in skip_channels and recipient.role is Role.COORDINATOR:
        return None
    text, choices = compose(translator(recipient.language))
    return Reply(address, text, choices)
