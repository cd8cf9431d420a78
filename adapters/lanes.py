"""Side-by-side processing of updates that keeps each chat's updates in their order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)


class ChatLanes:
    """Runs work for different chats side by side and one chat's work one after another.

    ``submit`` returns once the work has a place (at most ``limit`` pieces are admitted at
    once, so a caller that submits in order is held back rather than flooding memory); the
    work of one key starts only after the work submitted before it for that key has ended.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._slots = asyncio.Semaphore(limit)
        self._tails: dict[Hashable, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    @property
    def busy(self) -> int:
        """Pieces of work admitted and not yet ended."""
        return len(self._running)

    async def submit(
        self, key: Hashable, work: Callable[[], Awaitable[None]]
    ) -> asyncio.Task[None]:
        """Admit ``work`` for ``key`` (waiting for a place); the task that runs it."""
        await self._slots.acquire()
        previous = self._tails.get(key)
        task = asyncio.create_task(self._run(key, previous, work))
        self._tails[key] = task
        self._running.add(task)
        task.add_done_callback(self._ended)
        return task

    async def drain(self) -> None:
        """Wait until every admitted piece of work has ended."""
        while self._running:
            await asyncio.wait(set(self._running))

    async def _run(
        self,
        key: Hashable,
        previous: asyncio.Task[None] | None,
        work: Callable[[], Awaitable[None]],
    ) -> None:
        try:
            if previous is not None:
                # Its outcome belongs to whoever awaits it; only its end matters here.
                await asyncio.wait({previous})
            await work()
        finally:
            self._slots.release()
            if self._tails.get(key) is asyncio.current_task():
                del self._tails[key]

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The type only: an exception's message may quote what the user wrote.
            log.error("update failed: %s", type(task.exception()).__name__)
