"""Side-by-side processing of updates that keeps each chat's updates in their order."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable, Hashable

from bot.conversation.throttle import QUEUED_AT

log = logging.getLogger(__name__)

BACKLOG = 10_000
"""Pieces of work that may wait at once before ``submit`` holds its caller back."""


class ChatLanes:
    """Runs work for different chats side by side and one chat's work one after another.

    A piece of work waits for the work submitted before it for its key without holding one
    of the ``limit`` slots; it takes a slot only once it can run, so a chat with a long queue
    (a flooder) holds at most one slot and every other chat keeps the rest. ``submit`` returns
    at once unless ``backlog`` pieces are waiting, which holds a caller that submits in order
    back rather than flooding memory.
    """

    def __init__(self, limit: int, backlog: int = BACKLOG) -> None:
        if limit < 1 or backlog < 1:
            raise ValueError("limit and backlog must be at least 1")
        self._slots = asyncio.Semaphore(limit)
        self._room = asyncio.Semaphore(backlog)
        self._tails: dict[Hashable, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    @property
    def busy(self) -> int:
        """Pieces of work submitted and not yet ended (waiting or running)."""
        return len(self._running)

    async def submit(
        self, key: Hashable, work: Callable[[], Awaitable[None]]
    ) -> asyncio.Task[None]:
        """Queue ``work`` behind ``key``'s earlier work; the task that runs it."""
        await self._room.acquire()
        previous = self._tails.get(key)
        # The throttle judges a sender by when the work arrived, not by when its turn came.
        context = contextvars.copy_context()
        context.run(QUEUED_AT.set, time.monotonic())
        task = asyncio.create_task(self._run(key, previous, work), context=context)
        self._tails[key] = task
        self._running.add(task)
        task.add_done_callback(self._ended)
        return task

    async def drain(self) -> None:
        """Wait until every submitted piece of work has ended."""
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
            async with self._slots:
                await work()
        finally:
            self._room.release()
            if self._tails.get(key) is asyncio.current_task():
                del self._tails[key]

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The type only: an exception's message may quote what the user wrote.
            log.error("update failed: %s", type(task.exception()).__name__)
