"""Which instances sharing a database are alive: each running one holds a lock of its own,
which goes when it goes however it ends (SIGKILL, power cut), and any other may try it.

On PostgreSQL the lock is a session advisory lock on a connection of the instance's own (the
server drops it with the connection); on an SQLite file it is an exclusive lock on a file in
``<database>.instances/`` (the system drops it with the process), as scheduler leadership is."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

NAMESPACE = 0x636F6E69  # "coni": the first key of every instance's lock (id is the second)
_TRY = text("SELECT pg_try_advisory_lock(:ns, :id)")
_UNLOCK = text("SELECT pg_advisory_unlock(:ns, :id)")


class InstanceTaken(RuntimeError):
    """Another live instance already goes by this id."""


class Presence:
    """The lock that says instance ``instance`` is alive, held from ``hold`` to ``let_go``."""

    def __init__(self, engine: AsyncEngine, instance: int) -> None:
        self.instance = instance
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        database = engine.url.database
        self._directory = (
            Path(f"{database}.instances")
            if engine.dialect.name == "sqlite" and database and database != ":memory:"
            else None
        )
        # Outside the engine's pool: held for as long as the instance runs, a pooled one would
        # leave the pool a connection short under load (and closing it would not unlock).
        self._own = create_async_engine(engine.url, poolclass=NullPool) if self._postgres else None
        self._connection: AsyncConnection | None = None
        self._fd: int | None = None

    async def hold(self) -> None:
        """Take this instance's lock (again, after its connection was lost)."""
        if self._postgres:
            if self._connection is not None:
                return
            assert self._own is not None
            connection = await self._own.connect()
            try:
                got = (await connection.execute(_TRY, self._key(self.instance))).scalar_one()
                await connection.commit()
            except BaseException:
                await connection.close()
                raise
            if not got:
                await connection.close()
                raise InstanceTaken(f"instance id {self.instance} is in use")
            self._connection = connection
        elif self._directory is not None and self._fd is None:
            self._directory.mkdir(mode=0o700, exist_ok=True)
            self._fd = await self._lock_file(self._path(self.instance))
            for stale in self._directory.glob("*.lock"):
                if stale.stem.isdecimal() and int(stale.stem) != self.instance:
                    self._free_file(int(stale.stem))  # removes the file of a killed process

    async def still_held(self) -> bool:
        """True while the lock is held; a lost PostgreSQL connection is noticed (and the lock
        taken again) here."""
        if not self._postgres:
            return True
        if self._connection is None:
            await self.hold()
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
        except Exception:
            log.warning("lost the connection that shows this instance is alive")
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None
            await self.hold()
            return False
        return True

    async def gone(self, others: set[int]) -> set[int]:
        """Those of ``others`` that no live process is: their lock is free (or was never
        taken, in a database only this process can open)."""
        others = others - {self.instance}
        if not others:
            return set()
        if self._postgres:
            return await self._free_advisory(others)
        if self._directory is None:
            return others
        return {other for other in others if self._free_file(other)}

    async def let_go(self) -> None:
        """Give the lock up (a clean stop)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._path(self.instance))
            os.close(self._fd)
            self._fd = None
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()  # not pooled: the session, and its lock, end
            self._connection = None
        if self._own is not None:
            await self._own.dispose()

    async def _free_advisory(self, others: set[int]) -> set[int]:
        free = set()
        async with self._engine.connect() as connection:
            for other in sorted(others):
                if (await connection.execute(_TRY, self._key(other))).scalar_one():
                    await connection.execute(_UNLOCK, self._key(other))
                    free.add(other)
            await connection.commit()
        return free

    def _free_file(self, other: int) -> bool:
        path = self._path(other)
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)  # a lock file left by a process that was killed
            return True
        finally:
            os.close(fd)

    async def _lock_file(self, path: Path) -> int:
        """Create and lock ``path``; again if another start removed it as we took it (our
        lock would then be on a file no one else can find), or held it for a moment to see
        whether it was left by a killed process."""
        for _ in range(100):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                await asyncio.sleep(0.01)
                continue
            with contextlib.suppress(FileNotFoundError):
                if os.stat(path).st_ino == os.fstat(fd).st_ino:
                    return fd
            os.close(fd)
        raise InstanceTaken(f"instance id {self.instance} is in use")

    def _path(self, instance: int) -> Path:
        assert self._directory is not None
        return self._directory / f"{instance}.lock"

    @staticmethod
    def _key(instance: int) -> dict[str, int]:
        return {"ns": NAMESPACE, "id": instance}
