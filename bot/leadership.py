"""Scheduler leadership: one instance holds a PostgreSQL advisory lock; SQLite has one instance."""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

LOCK_KEY = 0x636F6E63  # "conc": the same on every instance of this bot


class Leadership:
    """Holds the advisory lock on a connection of its own for as long as it leads."""

    def __init__(self, engine: AsyncEngine, key: int = LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None

    @property
    def single_instance(self) -> bool:
        """SQLite deployments run one instance, which always leads."""
        return self._engine.dialect.name != "postgresql"

    @property
    def leading(self) -> bool:
        """True while this instance holds the lock (or is the only instance)."""
        return self.single_instance or self._connection is not None

    async def try_lead(self) -> bool:
        """Take the lock if it is free; keep it if already held; False when another leads."""
        if self.single_instance:
            return True
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

    async def release(self) -> None:
        """Give the lock up (closing the session releases it too)."""
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
