"""Storage's part of /healthz: the outbox counts, read with a deadline and off the event loop,
and what storage waits on (another process's SQLite write lock, a slow PostgreSQL).

The counts are read without SQLite's writer: a read never waits for the write lock (WAL), so
they stay current while another process holds it. The read runs on a worker thread (SQLite) or
as a task (PostgreSQL) that the report waits for only ``timeout`` seconds; one read at a time,
a slow one is waited for again by the next report rather than started twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.outbox import DEAD, PENDING
from bot.storage.reading import reading
from bot.storage.sqlite.lock_wait import WAITS, WRITE_LOCK, LockWaits
from bot.storage.tables import outbox
from bot.storage.uow_factory import UnitOfWorkFactory

PROBE_TIMEOUT = 0.8
"""Seconds a report waits for the counts before it says what it waits on (within the second
/healthz answers in, with room for a loaded machine)."""
STALLED_AFTER = 1.0
"""Seconds of waiting for the write lock after which storage is reported not ok (shorter waits
are processes sharing the file taking turns)."""
_BACKLOG = select(func.count()).select_from(outbox).where(outbox.c.state == PENDING)
_DEAD = select(func.count()).select_from(outbox).where(outbox.c.state == DEAD)


@dataclass(frozen=True)
class Counts:
    """The outbox figures in the health report."""

    backlog: int
    dead: int


class StorageHealth:
    """Reads the counts for /healthz and says what storage waits on; ``close()`` at the end."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        waits: LockWaits = WAITS,
        timeout: float = PROBE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow
        self._waits = waits
        self._timeout = timeout
        self._clock = clock
        self.backend = uow.engine.dialect.name
        self._reader = _sqlite_reader(uow.engine)
        self._probe: asyncio.Task[Counts] | None = None
        self._probe_since = 0.0
        self._last: Counts | None = None

    async def report(self) -> dict[str, Any]:
        """``ok``, ``database``, ``storage`` (what it waits on, for how long) and, when read or
        read before, ``outbox_backlog`` and ``dead_letters``."""
        storage: dict[str, Any] = {"ok": True, "backend": self.backend}
        database = "ok"
        if self._probe is None:
            self._probe_since = self._clock()
            self._probe = asyncio.get_running_loop().create_task(self._counts())
        probe = self._probe
        try:
            async with asyncio.timeout(self._timeout):
                self._last = await asyncio.shield(probe)
        except TimeoutError:
            database = "waiting"
            reading = "sqlite read" if self._reader is not None else self.backend
            storage |= _waiting(reading, self._clock() - self._probe_since)
        except Exception as error:
            database = type(error).__name__
            storage |= {"ok": False, "error": database}
        if probe.done():
            self._probe = None
        locked = self._waits.longest()
        if locked is not None:  # the likelier cause of a slow read, too: said instead
            stalled = locked >= STALLED_AFTER
            storage |= _waiting(WRITE_LOCK, locked, ok=storage["ok"] and not stalled)
            storage["waiters"] = self._waits.waiters
            database = "waiting" if stalled and database == "ok" else database
        report: dict[str, Any] = {"ok": storage["ok"], "database": database, "storage": storage}
        if self._last is not None:
            report |= {"outbox_backlog": self._last.backlog, "dead_letters": self._last.dead}
        return report

    async def _counts(self) -> Counts:
        reader = self._reader
        if reader is not None:
            return await asyncio.get_running_loop().run_in_executor(None, _read_with, reader)
        # PostgreSQL (no writer to wait for), or SQLite in memory (one process: no other
        # process's lock; the writer's turn keeps it off a transaction in hand).
        async with reading(self._uow) as uow:
            return Counts(await uow.outbox.pending_count(), await uow.outbox.dead_count())

    async def close(self) -> None:
        """Drop a read still in hand (one on a thread ends within its busy timeout); close the
        reader's connections."""
        probe, self._probe = self._probe, None
        if probe is not None:
            probe.cancel()
            await asyncio.wait({probe})
            if not probe.cancelled():
                probe.exception()  # seen: not logged as never retrieved
        if self._reader is not None:
            self._reader.dispose()


def _waiting(on: str, seconds: float, ok: bool = False) -> dict[str, Any]:
    return {"ok": ok, "waiting": on, "for_seconds": round(seconds, 1)}


def _read_with(engine: Engine) -> Counts:
    with engine.connect() as connection:
        return Counts(
            int(connection.execute(_BACKLOG).scalar_one()),
            int(connection.execute(_DEAD).scalar_one()),
        )


def _sqlite_reader(engine: AsyncEngine) -> Engine | None:
    """For a SQLite file, a plain engine for reading on a worker thread: no ``BEGIN IMMEDIATE``
    (a read needs no write lock) and a short busy timeout (it answers or gives up quickly)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return create_sync_engine(
        engine.url.set(drivername="sqlite+pysqlite"),
        connect_args={"timeout": PROBE_TIMEOUT, "check_same_thread": False},
    )
