"""Waiting for another process's SQLite write lock without holding up the event loop.

SQLite's own busy handler sleeps inside the call that found the lock taken: on the event
loop's thread (SQLite is called in place, see bot.storage.statements) that would stop
everything, /healthz included, for as long as another process holds the lock. So connections
get a busy timeout of a few milliseconds, and what starts a transaction (or runs a statement
outside one) retries here, sleeping the asyncio way in between. Each waiter is noted in
``WAITS`` for the health report.

Only a statement that starts its own unit of work is retried: ``BEGIN IMMEDIATE``, or one in
autocommit mode. Inside a transaction that already holds the write lock (every transaction
here begins IMMEDIATE) no statement waits for another writer.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

IN_PLACE_BUSY_MS = 5
"""SQLite's busy timeout for connections called in place: the longest one attempt holds the
event loop (it absorbs the lock being handed over between two quick writers)."""
WAIT_LIMIT = 30.0
"""Seconds a unit of work waits for the write lock before it fails (``database is locked``)."""
FIRST_PAUSE = 0.001
LONGEST_PAUSE = 0.1
"""The pauses between attempts double from the first to the longest, as SQLite's own do."""
WRITE_LOCK = "sqlite write lock"
"""What /healthz says is waited on."""


def is_busy(error: BaseException) -> bool:
    """True when ``error`` (or the driver error SQLAlchemy wraps) is SQLite's SQLITE_BUSY."""
    error = getattr(error, "orig", None) or error
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(error, sqlite3.OperationalError) and (
        code & 0xFF == sqlite3.SQLITE_BUSY if code is not None else "locked" in str(error)
    )


class LockWaits:
    """Who in this process waits for SQLite's write lock, and since when."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._since: dict[int, float] = {}
        self._ids = itertools.count()

    def begin(self) -> int:
        """Note a waiter; the token ends its wait."""
        token = next(self._ids)
        self._since[token] = self._clock()
        return token

    def end(self, token: int) -> None:
        """The waiter got the lock or gave up."""
        self._since.pop(token, None)

    @property
    def waiters(self) -> int:
        """How many wait now."""
        return len(self._since)

    def longest(self) -> float | None:
        """Seconds the longest waiter has waited, or None when nobody waits."""
        since = self._since.values()
        return self._clock() - min(since) if since else None


WAITS = LockWaits()
"""This process's waiters (SQLite's lock is per file; a process has one database)."""


async def while_busy(attempt: Callable[[], T], waits: LockWaits = WAITS) -> T:
    """``attempt()``, and again after a pause each time it finds the write lock taken; the
    last ``database is locked`` once ``WAIT_LIMIT`` seconds have gone by."""
    try:
        return attempt()
    except sqlite3.OperationalError as error:
        if not is_busy(error):
            raise
    return await after_busy(attempt, waits)


async def after_busy(
    attempt: Callable[[], T],
    waits: LockWaits = WAITS,
    pause: Callable[[float], Awaitable[object]] = asyncio.sleep,
    limit: float = WAIT_LIMIT,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """``attempt()`` again, once it found the write lock taken: after a pause each time, the
    pauses doubling, until it gets through or ``limit`` seconds have gone by."""
    token = waits.begin()
    deadline = clock() + limit
    wait = FIRST_PAUSE
    try:
        while True:
            await pause(wait)
            try:
                return attempt()
            except sqlite3.OperationalError as error:
                if not is_busy(error) or clock() >= deadline:
                    raise
            wait = min(wait * 2, LONGEST_PAUSE)
    finally:
        waits.end(token)
