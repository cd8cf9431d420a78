"""What a repository runs its statements on: an asyncio connection, or SQLite in place.

SQLAlchemy's asyncio layer runs every statement in a greenlet of its own and hands each driver
call back through the event loop: about 20 µs of CPU per statement, as much as SQLite takes to
run it. SQLite works in this process and this process serialises its transactions (see
``writer``), so a unit of work on SQLite uses a plain synchronous connection instead, called in
place, and only its commit, which waits for the disk, goes to a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, CursorResult, Engine, Executable
from sqlalchemy.engine import Dialect

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
"""Bound values: one set, or a list of sets (one statement run for each)."""


class Statements(Protocol):
    """Runs statements inside a unit of work's transaction."""

    @property
    def dialect(self) -> Dialect:
        """The database's SQL dialect."""
        ...

    async def execute(
        self, statement: Executable, parameters: Parameters = None
    ) -> CursorResult[*tuple[Any, ...]]:
        """Run one statement; its result."""
        ...


class InPlace:
    """A synchronous SQLAlchemy connection offered as ``Statements``: each statement runs at
    once, on the event loop's thread (SQLite's work is local and short)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @property
    def dialect(self) -> Dialect:
        """The database's SQL dialect."""
        return self._connection.dialect

    async def execute(
        self, statement: Executable, parameters: Parameters = None
    ) -> CursorResult[*tuple[Any, ...]]:
        """Run one statement; its result."""
        return self._connection.execute(statement, parameters)


async def commit_off_loop(connection: Connection) -> None:
    """Commit on a worker thread: with synchronous=FULL, SQLite waits for the disk (fsync, and
    now and then a checkpoint), which the event loop must not. A cancelled caller still waits
    for the commit to end: the connection must not be rolled back or lent out under it."""
    done = asyncio.get_running_loop().run_in_executor(None, connection.commit)
    try:
        await asyncio.shield(done)
    except asyncio.CancelledError:
        await asyncio.wait({done})
        raise


class SharedConnection:
    """One synchronous connection, lent to one unit of work at a time (SQLite's writer turns
    see to that): opening and closing a pooled connection for every transaction costs more
    than most of the statements in it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    def take(self) -> Connection:
        """The connection, opened again if it was closed or broken."""
        connection = self._connection
        if connection is None or connection.closed or connection.invalidated:
            if connection is not None:
                connection.close()
            connection = self._connection = self.engine.connect()
        return connection

    def close(self) -> None:
        """Close the connection and the engine's pool."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.engine.dispose()
