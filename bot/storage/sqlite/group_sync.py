"""Group commit on SQLite: a commit writes the write-ahead log without waiting for the disk
(synchronous=NORMAL), and one sync of the log then makes every commit before it durable.

Units of work that commit while a sync is under way share the next one, so a slow disk costs
one sync per group of concurrent turns, not one per turn; each still waits for a sync that
began after its commit before it returns (and so before its replies go out).

On a quick disk a sync is made in place, on the event loop's thread: handing it to a thread
and back costs three times the CPU of the sync itself, and under light load (one commit per
sync) that was a tenth of a turn's. Nothing can commit while the loop waits, so in place there
is nothing to group; once syncs get slow (see ``Committer``) they go to a thread, and the
commits made meanwhile share the next."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from bot.storage.statements import Committer


def sync_file(path: Path) -> None:
    """fsync ``path`` (any descriptor of a file syncs all of it). A log that is gone was
    checkpointed into the database file, which SQLite synced then."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class GroupSync:
    """Counts commits and makes them durable in groups, one sync of ``log`` each."""

    def __init__(
        self, log: Path, sync: Callable[[Path], None] = sync_file, pace: Committer | None = None
    ) -> None:
        self._log = log
        self._sync = sync
        self._pace = pace or Committer()
        self._committed = 0
        self._synced = 0
        self._running: asyncio.Future[None] | None = None
        self.syncs = 0
        """How many syncs were made (for tests and benchmarks)."""

    def committed(self) -> int:
        """Note a commit that just returned; its ticket for ``durable``."""
        self._committed += 1
        return self._committed

    async def durable(self, ticket: int) -> None:
        """Return once commit ``ticket`` is on disk: after a sync that began after it."""
        while self._synced < ticket:
            if self._running is None and not self._pace.on_thread:
                up_to = self._committed
                self._pace.in_place(self._sync_log)
                self._made(up_to)
                continue
            if self._running is None:
                self._running = asyncio.ensure_future(self._sync_up_to(self._committed))
            # A cancelled caller leaves the sync running: others wait for the same one.
            await asyncio.shield(self._running)

    async def _sync_up_to(self, ticket: int) -> None:
        try:
            await self._pace.call(self._sync_log)
            self._made(ticket)
        finally:
            self._running = None

    def _sync_log(self) -> None:
        self._sync(self._log)

    def _made(self, ticket: int) -> None:
        self.syncs += 1
        self._synced = max(self._synced, ticket)
