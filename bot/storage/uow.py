"""The unit of work: one transaction, with every repository on the same connection."""

from __future__ import annotations

import asyncio
from types import TracebackType

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from bot.storage.crypto import Cipher
from bot.storage.repositories import Repositories
from bot.storage.sqlite.group_sync import GroupSync
from bot.storage.sqlite.lock_wait import WAIT_LIMIT, while_busy
from bot.storage.sqlite.writer import WriterTurns
from bot.storage.statements import Committer, InPlace, SharedConnection, Statements

WRITER_TIMEOUT = WAIT_LIMIT
"""Seconds a unit of work waits for SQLite's write turn (as long as for another's lock)."""
_BEGIN = "BEGIN IMMEDIATE"


class UnitOfWork(Repositories):
    """``async with uow:`` opens a transaction; ``commit()`` keeps it, leaving rolls back."""

    def __init__(
        self,
        engine: AsyncEngine,
        cipher: Cipher,
        writer: WriterTurns | None = None,
        urgent: bool = False,
        in_place: SharedConnection | None = None,
        durable: bool = True,
        committer: Committer | None = None,
        owner: int | None = None,
        group: GroupSync | None = None,
    ) -> None:
        self._engine = engine
        self._owner = owner
        self._cipher = cipher
        self._writer = writer
        self._urgent = urgent
        self._in_place = in_place
        self._durable = durable
        self._committer = committer or Committer()
        self._group = group
        self._ticket: int | None = None
        """A commit of this unit that waits for its group's sync."""
        self._holding = False
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None
        self._local: Connection | None = None
        self._statements: Statements | None = None

    async def __aenter__(self) -> UnitOfWork:
        if self._writer is not None:
            # SQLite has one writer at a time: queue here, in order, rather than in SQLite's
            # busy handler, which polls with sleeps of up to 100 ms.
            # (asyncio.timeout, not wait_for: that would make a task of every acquire.)
            async with asyncio.timeout(WRITER_TIMEOUT):
                await self._writer.acquire(self._urgent)
            self._holding = True
        try:
            c = await self._open()
        except BaseException:
            await self._close()
            raise
        self._statements = c
        return self

    async def _open(self) -> Statements:
        if self._in_place is not None:
            local = self._local = self._in_place.take()
            local.begin()
            # IMMEDIATE takes the write lock up front, so two processes never deadlock
            # upgrading a read lock; another process's lock is waited for without holding
            # up the event loop. Straight to sqlite3: a third of the cost through SQLAlchemy.
            driver = local.connection.driver_connection
            assert driver is not None
            await while_busy(lambda: driver.execute(_BEGIN))
            return InPlace(local, self._in_place.direct)
        self._connection = await self._engine.connect()
        # PostgreSQL: durable, even where it need not be. A commit that waits for the log shares
        # its flush with the others' (the server's group commit); one that does not wait costs
        # a round trip of its own (SET LOCAL synchronous_commit), which measured dearer.
        self._transaction = await self._connection.begin()
        return self._connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._local is not None and self._local.in_transaction():
                self._local.rollback()
            if self._transaction is not None and self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            await self._close()
        if self._ticket is not None:
            # After the writer's turn is given back: the next unit writes meanwhile, and
            # shares the sync if it commits before it begins.
            ticket, self._ticket = self._ticket, None
            assert self._group is not None
            await self._group.durable(ticket)

    async def _close(self) -> None:
        try:
            if self._local is not None and self._local.in_transaction():
                self._local.rollback()  # the connection is lent: it goes back clean
            if self._connection is not None:
                await self._connection.close()
        finally:
            self._local = None
            self._statements = None
            self._forget_repositories()
            self._connection = None
            self._transaction = None
            if self._holding and self._writer is not None:
                self._holding = False
                self._writer.release()

    @property
    def connection(self) -> Statements:
        """What this unit runs its statements on (for storage-level tools and tests)."""
        assert self._statements is not None, "connection outside 'async with'"
        return self._statements

    async def commit(self) -> None:
        """Make every change of this unit permanent."""
        if self._local is not None:
            if self._durable and self._group is not None:
                self._local.commit()  # to the log, not yet to the disk: see __aexit__
                self._ticket = self._group.committed()
            elif self._durable:
                await self._committer.commit(self._local)
            else:
                self._local.commit()  # nothing to wait for: no sync to disk
            return
        assert self._transaction is not None, "commit outside 'async with'"
        await self._transaction.commit()
