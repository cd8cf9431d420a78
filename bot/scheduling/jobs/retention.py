"""Retention: closed concerns go after the network's period, with every copy the bot made."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from bot.channels.events import Address
from bot.channels.replies import Choice, Outgoing, Removal
from bot.delivery.notify import Compose, message_for
from bot.domain.model import AccessLogEntry
from bot.i18n import N_, Translate
from bot.settings import Settings
from bot.storage.posted import CHAT_SLOT
from bot.storage.uow import UnitOfWork

OUTBOX_KEEP = timedelta(days=7)
DEAD_KEEP = timedelta(days=30)
EVENT_IDS_KEEP = timedelta(days=7)
CHAT_KEEP = timedelta(days=3)
ERASED_BY_RETENTION = N_(
    "Your concern {reference} was closed more than {days} days ago and has now been erased, as "
    "your network's retention period says. Nothing of what you wrote about it is kept any more."
)
ERASED_ON_REQUEST = N_(
    "Your concern {reference} has been erased by a coordinator, on request. Nothing of what you "
    "wrote about it is kept any more."
)


def erased_notice(text: str, reference: str, days: int = 0) -> Compose:
    """The reporter's message that their concern is erased (``text``: one of the two above)."""

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        return t(text).format(reference=reference, days=days), ()

    return compose


async def run_retention(uow: UnitOfWork, settings: Settings, at: datetime) -> list[Outgoing]:
    """Delete concerns closed longer ago than retention allows; ask platforms to delete the
    messages posted about them; purge delivered outbox rows and old event ids."""
    out: list[Outgoing] = []
    for network in settings.networks:
        cutoff = at - timedelta(days=network.retention_days)
        for concern_id, reference in await uow.concerns.closed_before(network.id, cutoff):
            copies: dict[Address, list[str]] = defaultdict(list)
            for posted in await uow.posted.of_concern(reference):
                copies[posted.address].append(posted.message_id)
            out += [Removal(address, tuple(ids)) for address, ids in copies.items()]
            concern = await uow.concerns.by_id(concern_id)
            if concern is not None and concern.reporter_id is not None:
                notice = erased_notice(ERASED_BY_RETENTION, reference, network.retention_days)
                reply = await message_for(uow, concern.reporter_id, notice)
                out += [] if reply is None else [reply]
            await uow.posted.forget_concern(reference)
            await uow.concerns.delete(concern_id)
            await uow.access_log.add(
                AccessLogEntry(
                    at=at,
                    actor_member_id=None,
                    action="delete",
                    outcome="retention",
                    concern_reference=reference,
                    on_behalf_of="scheduler",
                )
            )
    # A bot message older than the platforms' deletion window cannot be taken back by /wipe.
    await uow.posted.forget_everywhere(CHAT_SLOT, at - CHAT_KEEP)
    await uow.outbox.purge(at - OUTBOX_KEEP, at - DEAD_KEEP)
    await uow.events.purge(at - EVENT_IDS_KEEP)
    return out
