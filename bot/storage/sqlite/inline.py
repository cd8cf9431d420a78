"""SQLite for an asyncio program, called in place: the standard ``sqlite3`` driver behind
SQLAlchemy's asyncio interface, without a thread hop per call.

aiosqlite runs every driver call (cursor, execute, fetch, close, commit) on a thread of its own
and hands the result back through the event loop: about a third of a millisecond of CPU per
statement here, ten times the statement itself. This driver serves the asyncio engine (startup,
migrations, operator tools, and what tests read directly); units of work go further still and
use a synchronous connection in place (see bot.storage.statements). Long queries hold the loop
for their duration; a commit, which waits for the disk, runs on a worker thread; another
process's write lock is waited for with asyncio sleeps (see bot.storage.sqlite.lock_wait).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import await_

from bot.storage.sqlite.lock_wait import after_busy, is_busy

DRIVER = "concernbot_inline"
"""The driver name in a URL: ``sqlite+concernbot_inline:///path``."""


class InlineCursor:
    """An aiosqlite-shaped cursor whose coroutines run the sqlite3 call at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        """As sqlite3's."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """As sqlite3's."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """As sqlite3's."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """As sqlite3's."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        """Run one statement; one that starts its own transaction waits (the asyncio way)
        while another process holds the write lock."""
        cursor = self._cursor
        try:
            cursor.execute(sql, parameters)
        except sqlite3.OperationalError as error:
            if cursor.connection.in_transaction or not is_busy(error):
                raise
            await after_busy(lambda: cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        """Run one statement for each set of parameters."""
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        """The next rows."""
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> Sequence[Any]:
        """Every remaining row."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()


class InlineConnection:
    """An aiosqlite-shaped connection whose coroutines run the sqlite3 call at once."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection

    def cursor(self) -> InlineCursor:
        """A new cursor (an async context manager, as aiosqlite's)."""
        if self._connection is None:
            raise ValueError("no active connection")
        return InlineCursor(self._conn.cursor())

    @property
    def isolation_level(self) -> str | None:
        """As sqlite3's."""
        return self._conn.isolation_level

    async def commit(self) -> None:
        """Commit on a worker thread: with synchronous=FULL it waits for the disk (fsync, and
        now and then a checkpoint), which the event loop must not."""
        await asyncio.get_running_loop().run_in_executor(None, self._conn.commit)

    async def rollback(self) -> None:
        """Roll back."""
        self._conn.rollback()

    async def close(self) -> None:
        """Close (idempotent)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register an SQL function."""
        self._conn.create_function(*args, **kwargs)

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


class InlineAdaptedConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite adaptation, minus aiosqlite's thread for the isolation level."""

    __slots__ = ()

    @property
    def isolation_level(self) -> str | None:
        """As sqlite3's."""
        return self._connection._conn.isolation_level  # type: ignore[no-any-return]

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection._conn.isolation_level = value


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy sees: sqlite3's names, in-place connections."""

    def __init__(self) -> None:
        super().__init__(sqlite3, sqlite3)
        self.has_stop = True

    def connect(self, *args: Any, **kwargs: Any) -> InlineAdaptedConnection:
        """Open a sqlite3 connection and wrap it."""
        kwargs.pop("async_creator_fn", None)
        # Only ever used by one coroutine at a time, but possibly from a pool's other thread
        # when SQLAlchemy cleans up; sqlite3 itself is thread-safe in serialised mode.
        kwargs["check_same_thread"] = False
        connection = sqlite3.connect(*args, **kwargs)
        adapted = await_(_ready(InlineConnection(connection)))
        return InlineAdaptedConnection(self, adapted)  # type: ignore[arg-type]


async def _ready(connection: InlineConnection) -> InlineConnection:
    return connection


class InlineSQLiteDialect(SQLiteDialect_aiosqlite):
    """SQLAlchemy's asyncio SQLite dialect on the in-place driver."""

    driver = DRIVER
    supports_statement_cache = True
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> InlineDBAPI:
        """The in-place DBAPI."""
        return InlineDBAPI()


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")
