"""Tell the reporter, once, when their acute concern is still unacknowledged past its deadline."""

from __future__ import annotations

from datetime import datetime

from bot.channels.replies import Outgoing, Reply
from bot.domain.model import Concern, Status
from bot.i18n import N_, translator
from bot.settings import Settings
from bot.storage.uow import UnitOfWork

UNACKNOWLEDGED = N_(
    "If the danger persists, call 112 now.\n"
    "Your acute concern {reference} has not been acknowledged yet by a coordinator of "
    "{network}. The coordinators are being reminded now (reached: {count}), and the backup "
    "coordinators alerted (reached: {backups})."
)

JOB = "acute_reporter"
"""The ledger's name for the notice: one per concern, whatever the job's period."""


async def run_acute_notices(uow: UnitOfWork, settings: Settings, at: datetime) -> list[Outgoing]:
    """For each acute concern past its acknowledgement deadline, notify its reporter once."""
    out: list[Outgoing] = []
    for network in settings.networks:
        late = [
            c
            for c in await uow.concerns.open_in_network(network.id)
            if c.acute and c.status is Status.RECEIVED and c.acknowledge_due <= at
        ]
        if not late:
            continue
        coordinators = await uow.members.coordinators(network.id)
        reached = [m for m in coordinators if m.id and await uow.members.address_of(m.id)]
        backups = sum(1 for m in reached if m.backup)
        for concern in late:
            if not await uow.ledger.first_time(JOB, concern.reference, at):
                continue
            reply = await _notice(uow, concern, network.name, len(reached), backups)
            if reply is not None:
                out.append(reply)
    return out


async def _notice(
    uow: UnitOfWork, concern: Concern, network: str, count: int, backups: int
) -> Reply | None:
    address = await uow.members.address_of(concern.reporter_id)
    reporter = await uow.members.get(concern.reporter_id)
    if address is None or reporter is None:
        return None
    text = translator(reporter.language)(UNACKNOWLEDGED).format(
        reference=concern.reference, network=network, count=count, backups=backups
    )
    return Reply(address, text, concern=concern.reference)
