"""SQLite's one writer, taken in turn by this process's units of work, urgent ones first."""

from __future__ import annotations

import asyncio
from collections import deque


class WriterTurns:
    """A lock whose waiters are served in order, those marked urgent before the others.

    Settling a message already sent goes before starting a new dialog turn: finishing work
    in progress first keeps a busy bot's queues short (an alert waits for one turn, not for
    every turn that arrived before it)."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    async def acquire(self, urgent: bool = False) -> None:
        """Wait for the writer's turn."""
        if not self._held and not self._urgent and not self._normal:
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._normal).append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the turn was handed over as we were cancelled: pass it on
            else:
                (self._urgent if urgent else self._normal).remove(waiter)
            raise

    def release(self) -> None:
        """End this turn; hand it to the next waiter (urgent first), if any."""
        for queue in (self._urgent, self._normal):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._held = False
