"""This process among the instances sharing one database: its claims on outbox messages are
its own, kept while it works on them, and let go by the next instance to start if it dies.

A claim (a lease of ``LEASE``) keeps other instances from sending a message this one is
sending. Two things went wrong with a lease alone: a process killed between a turn's commit
and its reply left that chat silent until the lease ran out (a minute), and a send that
waited longer than the lease (a long 429 pause) let another instance take the message over
and send it too. So each claim names its instance, an instance renews the claims it has in
hand while it waits, and one that starts releases the claims of instances no longer alive
(see bot.delivery.presence) before it delivers anything."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Iterable, Iterator

from bot.delivery.presence import Presence
from bot.domain.clock import Clock
from bot.storage.outbox import LEASE
from bot.storage.uow_factory import UnitOfWorkFactory

log = logging.getLogger(__name__)

RENEW_EVERY = LEASE.total_seconds() / 4
"""Seconds between renewals of the claims in hand: well inside the lease, so that a slow
database or a late wake-up does not let one run out."""


class Hand:
    """The outbox messages a worker has claimed and not yet settled."""

    def __init__(self) -> None:
        self._held: Counter[int] = Counter()

    @contextlib.contextmanager
    def holding(self, item_ids: Iterable[int]) -> Iterator[None]:
        """Count these messages in hand for the block."""
        ids = list(item_ids)
        self._held.update(ids)
        try:
            yield
        finally:
            self._held.subtract(ids)
            self._held = +self._held  # forget the ones no longer held

    @property
    def ids(self) -> list[int]:
        """The messages in hand now."""
        return sorted(self._held)


class Instance:
    """This process's identity on the database: held from ``start`` to ``stop``."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self.presence = Presence(uow.engine, uow.owner)
        self._keeper: asyncio.Task[None] | None = None

    @property
    def id(self) -> int:
        """The id its claims carry."""
        return self._uow.owner

    async def start(self, hand: Hand | None = None) -> int:
        """Show this instance alive, release the claims of instances that are not (a crash's)
        and keep renewing the claims in ``hand``: how many messages were let go."""
        await self.presence.hold()
        released = await self.release_orphans()
        if hand is not None:
            self._keeper = asyncio.create_task(self.keep(hand))
        return released

    async def release_orphans(self) -> int:
        """Release the claims whose instance is gone, so that their messages go out now."""
        async with self._uow.for_delivery() as uow:
            holders = await uow.claims.holders(self._clock.now())
        gone = await self.presence.gone(holders)
        if not gone:
            return 0
        async with self._uow.for_delivery() as uow:
            released = await uow.claims.release_held_by(sorted(gone))
            await uow.commit()
        if released:
            log.info(
                "released %d message(s) claimed by %d instance(s) that stopped without "
                "sending them: they go out now",
                released,
                len(gone),
            )
        return released

    async def renew(self, hand: Hand) -> int:
        """Extend the lease of every message in ``hand``; how many were renewed."""
        ids = hand.ids
        if not ids:
            return 0
        async with self._uow.for_delivery() as uow:
            renewed = await uow.claims.renew(self.id, ids, self._clock.now() + LEASE)
            await uow.commit()
        return renewed

    async def keep(self, hand: Hand, every: float = RENEW_EVERY) -> None:
        """Until cancelled: renew the claims in ``hand`` and keep the lock held."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.renew(hand)
            except Exception as error:
                log.warning("renewing this instance's claims failed: %s", type(error).__name__)
            try:
                await self.presence.still_held()
            except Exception as error:
                log.warning(
                    "this instance's lock could not be taken again: %s", type(error).__name__
                )

    async def stop(self) -> None:
        """Stop renewing and let the lock go (once nothing is being sent any more)."""
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        await self.presence.let_go()
