"""What a repository runs its statements on: an asyncio connection, or SQLite in place.

SQLAlchemy's asyncio layer runs every statement in a greenlet of its own and hands each driver
call back through the event loop: about 20 µs of CPU per statement, as much as SQLite takes to
run it. SQLite works in this process and this process serialises its transactions (see
``writer``), so a unit of work on SQLite uses a plain synchronous connection instead, called in
place; its commit too, unless the disk is slow (see Committer).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, CursorResult, Engine, Executable
from sqlalchemy.engine import Dialect

from bot.storage.sqlite.direct import DirectStatements

AVERAGE_WEIGHT = 0.1
"""The weight of the newest commit in the running average of commit times."""
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

    def __init__(self, connection: Connection, direct: DirectStatements | None = None) -> None:
        self._connection = connection
        self._direct = direct

    @property
    def dialect(self) -> Dialect:
        """The database's SQL dialect."""
        return self._connection.dialect

    async def execute(
        self, statement: Executable, parameters: Parameters = None
    ) -> CursorResult[*tuple[Any, ...]]:
        """Run one statement; its result."""
        if self._direct is not None:
            result = self._direct.run(self._connection, statement, parameters)
            if result is not None:
                return result
        return self._connection.execute(statement, parameters)


class Committer:
    """Calls that wait for the disk (a commit, a sync): in place while the disk answers
    quickly, else on a worker thread.

    With synchronous=FULL a commit waits for its sync to disk. On a local SSD that takes about
    a tenth of a millisecond, less than handing the call to a thread and back costs (measured
    here: 70 µs of CPU for a sync in place, 220 µs through the executor); a slow disk (a
    network volume: milliseconds) must not hold up the event loop. Each call's time is noted:
    once the running average passes ``slow`` seconds, calls go to a thread; once it falls
    below half of that, they come back."""

    def __init__(self, slow: float = 0.001, timer: Callable[[], float] = time.perf_counter) -> None:
        self._slow = slow
        self._timer = timer
        self.average = 0.0
        self.on_thread = False

    async def commit(self, connection: Connection) -> None:
        """Commit ``connection``'s transaction. A cancelled caller still waits for a commit on
        the thread to end: the connection must not be rolled back or lent out under it."""
        await self.call(connection.commit)

    async def call(self, work: Callable[[], object]) -> None:
        """Run ``work`` (in place or on the thread, as the disk's pace says) and note its
        time; a cancelled caller waits for work on the thread to end."""
        if not self.on_thread:
            self.in_place(work)
            return
        done = asyncio.get_running_loop().run_in_executor(None, self._timed, work)
        try:
            self._note(await asyncio.shield(done))
        except asyncio.CancelledError:
            await asyncio.wait({done})
            raise

    def in_place(self, work: Callable[[], object]) -> None:
        """Run ``work`` here, on the event loop's thread, and note its time."""
        self._note(self._timed(work))

    def _timed(self, work: Callable[[], object]) -> float:
        started = self._timer()
        work()
        return self._timer() - started

    def _note(self, seconds: float) -> None:
        self.average += (seconds - self.average) * AVERAGE_WEIGHT
        if self.on_thread and self.average < self._slow / 2:
            self.on_thread = False
        elif not self.on_thread and self.average > self._slow:
            self.on_thread = True


class SharedConnection:
    """One synchronous connection, lent to one unit of work at a time (SQLite's writer turns
    see to that): opening and closing a pooled connection for every transaction costs more
    than most of the statements in it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.direct = DirectStatements()
        """The plans of the statements run on this connection (see bot.storage.sqlite.direct)."""
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
