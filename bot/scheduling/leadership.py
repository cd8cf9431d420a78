"""Scheduler leadership: one instance holds a PostgreSQL advisory lock, or, on an SQLite file
that several processes share (terminal chats side by side), a lock on a file beside it."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from bot.scheduling.scheduler import Scheduler

log = logging.getLogger(__name__)

LOCK_KEY = 0x636F6E63  # "conc": the same on every instance of this bot


class Leadership:
    """Holds the advisory lock on a connection of its own for as long as it leads."""

    def __init__(self, engine: AsyncEngine, key: int = LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None
        database = engine.url.database
        self._lock_path = (
            f"{database}.leader"
            if engine.dialect.name == "sqlite" and database and database != ":memory:"
            else None
        )
        self._lock_fd: int | None = None

    @property
    def single_instance(self) -> bool:
        """An in-memory database has one process, which always leads."""
        return self._engine.dialect.name != "postgresql" and self._lock_path is None

    @property
    def leading(self) -> bool:
        """True while this instance holds the lock (or is the only instance)."""
        return self.single_instance or self._connection is not None or self._lock_fd is not None

    async def try_lead(self) -> bool:
        """Take the lock if it is free; keep it if already held; False when another leads."""
        if self.single_instance:
            return True
        if self._lock_path is not None:
            return self._try_file_lock(self._lock_path)
        if self._connection is not None:
            if await self._alive():
                return True
            await self.release()
        connection = await self._engine.connect()
        try:
            got = (
                await connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
                )
            ).scalar_one()
            await connection.commit()
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        log.info("this instance now leads the scheduler")
        return True

    def _try_file_lock(self, path: str) -> bool:
        """SQLite: the process holding an exclusive lock on the file leads (the system drops
        the lock when the process ends, however it ends)."""
        if self._lock_fd is not None:
            return True
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        log.info("this process now leads the scheduler")
        return True

    async def release(self) -> None:
        """Give the lock up (closing the session releases it too)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        if self._connection is None:
            return
        with contextlib.suppress(Exception):
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
            )
            await self._connection.commit()
        with contextlib.suppress(Exception):
            await self._connection.close()
        self._connection = None

    async def _alive(self) -> bool:
        assert self._connection is not None
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
        except Exception:
            log.warning("lost the scheduler lock's connection")
            return False
        return True


async def lead(leadership: Leadership, scheduler: Scheduler, every: float) -> None:
    """Run the scheduler only while ``leadership`` is held; check every ``every`` seconds."""
    while True:
        try:
            leading = await leadership.try_lead()
        except Exception as error:
            log.warning("leadership check failed: %s", type(error).__name__)
            leading = False
        try:
            if leading and not scheduler.running:
                await scheduler.catch_up()
                scheduler.start()
            elif not leading and scheduler.running:
                scheduler.shutdown()
        except Exception as error:
            # E.g. the database was unreachable while catching up: try again at the next
            # check, rather than end this loop and hold the lock with no scheduler running.
            log.warning("starting the scheduler failed: %s", type(error).__name__)
        await asyncio.sleep(every)
