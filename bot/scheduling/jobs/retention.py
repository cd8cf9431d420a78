"""Retention: closed concerns go after the network's period, with every copy the bot made."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from bot.channels.events import Address
from bot.channels.replies import Outgoing, Removal
from bot.domain.model import AccessLogEntry
from bot.settings import Settings
from bot.storage.uow import UnitOfWork

OUTBOX_KEEP = timedelta(days=7)
DEAD_KEEP = timedelta(days=30)
EVENT_IDS_KEEP = timedelta(days=7)


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
    await uow.outbox.purge(at - OUTBOX_KEEP, at - DEAD_KEEP)
    await uow.events.purge(at - EVENT_IDS_KEEP)
    return out
