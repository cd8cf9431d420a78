"""Messages to a member in their own language, on the channel they were last seen on."""

from __future__ import annotations

from collections.abc import Callable, Collection

from bot.i18n import Translate, translator
from bot.replies import Choice, Reply
from bot.storage.uow import UnitOfWork

Compose = Callable[[Translate], tuple[str, tuple[Choice, ...]]]


async def message_for(
    uow: UnitOfWork, member_id: int, compose: Compose, skip_channels: Collection[str] = ()
) -> Reply | None:
    """The reply for ``member_id`` composed in their language, or None when unreachable."""
    recipient = await uow.members.get(member_id)
    address = await uow.members.address_of(member_id)
    if recipient is None or address is None or address.channel in skip_channels:
        return None
    text, choices = compose(translator(recipient.language))
    return Reply(address, text, choices)
