"""How a turn's replies go out, decided in one place: kept for a caller that answers in place,
claimed by the turn to send right after its commit, or left to the outbox worker."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.channels.events import Address
from bot.channels.replies import Outgoing, Reply
from bot.delivery.outcomes import Courier
from bot.storage.outbox import LEASE, OutboxItem
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class Queued:
    """A turn's replies: those kept for the caller, those claimed to send right after the
    commit, and whether the outbox worker has any to send."""

    kept: list[Reply] = field(default_factory=list)
    claimed: list[OutboxItem] = field(default_factory=list)
    for_worker: bool = False

    async def hand_over(self, courier: Courier | None, on_outbox: Callable[[], None]) -> None:
        """After the commit: wake the worker for its share, and send the claimed replies."""
        if self.for_worker:
            on_outbox()
        if not self.claimed:
            return
        assert courier is not None
        try:
            await courier.deliver_claimed(self.claimed)
        except Exception as error:
            # Committed and claimed: once the claim runs out, the outbox worker sends them.
            log.error("sending a turn's replies failed: %s", type(error).__name__)


async def queue(
    uow: UnitOfWork,
    replies: Sequence[Outgoing],
    sender: Address,
    now: datetime,
    direct: bool,
    courier: Courier | None,
) -> Queued:
    """Keep the sender's replies for a ``direct`` caller; write the others to the outbox in
    ``uow``, claiming the sender's when the turn is to send them itself through ``courier``."""
    queued = Queued()
    claim_until = None if direct else await _claim_until(uow, replies, sender, now, courier)
    for reply in replies:
        if direct and isinstance(reply, Reply) and reply.to == sender:
            queued.kept.append(reply)
        elif claim_until is not None and reply.to == sender:
            item_id = await uow.outbox.add(reply, now, claimed_until=claim_until)
            queued.claimed.append(OutboxItem(item_id, reply, 0, now))
        else:
            await uow.outbox.add(reply, now)
            queued.for_worker = True
    return queued


async def _claim_until(
    uow: UnitOfWork,
    replies: Sequence[Outgoing],
    sender: Address,
    now: datetime,
    courier: Courier | None,
) -> datetime | None:
    """Until when the turn claims its replies to the sender; None when it leaves them to the
    worker: no courier for the channel, or older messages to the sender still pending (those
    go first)."""
    if courier is None or sender.channel not in courier.channels:
        return None
    if not any(reply.to == sender for reply in replies):
        return None
    if await uow.outbox.waiting(sender):
        return None
    return now + LEASE


def refused_only(replies: Sequence[Outgoing]) -> bool:
    """True when every reply names a form field at fault: a submitted form was refused, and
    nothing it asked for was done."""
    return bool(replies) and all(isinstance(r, Reply) and r.error is not None for r in replies)
