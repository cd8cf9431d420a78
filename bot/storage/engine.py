"""Database engines: SQLite tuned for durability and one writer at a time, or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.postgres import DEFAULT_LANES, postgres_engine
from bot.storage.sqlite import inline as sqlite_inline
from bot.storage.sqlite.lock_wait import IN_PLACE_BUSY_MS

BUSY_TIMEOUT = IN_PLACE_BUSY_MS / 1000
"""Seconds SQLite's own busy handler waits for another process's write lock, inside the call
and so on the event loop: a few milliseconds. Longer waits are asynchronous (see
bot.storage.sqlite.lock_wait)."""


CONNECT_TIMEOUT = 10
"""Seconds a new PostgreSQL connection may take before it fails (libpq's connect_timeout): a
server that accepts and never answers must not hang the start, or a turn, for good."""


SQLITE_DRIVERS = ("pysqlite", sqlite_inline.DRIVER)
"""The SQLite drivers a URL may name: ``sqlite://`` and ``sqlite+pysqlite://`` are Python's
sqlite3 module, which the in-place driver calls."""

FORMER_SQLITE_DRIVERS = ("aiosqlite",)
"""Named by the default URL of earlier versions (never used since the in-place driver came): still
served by sqlite3, with a warning that says what to write instead (see ``sqlite_url_warning``)."""


class UnusedSQLiteDriver(ValueError):
    """A SQLite URL names a driver concernbot does not run SQLite on (its name is the message)."""


def sqlite_url_warning(url: str) -> str | None:
    """For a URL naming a former SQLite driver, what runs instead and what to write; else None."""
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or parsed.get_driver_name() not in FORMER_SQLITE_DRIVERS
    ):
        return None
    plain = parsed.set(drivername="sqlite")
    driver = parsed.get_driver_name()
    return f"{driver} is not used, SQLite runs on Python's sqlite3 module; write {plain}"


def create_engine(
    url: str,
    echo: bool = False,
    connect_timeout: int = CONNECT_TIMEOUT,
    lanes: int = DEFAULT_LANES,
) -> AsyncEngine:
    """Create an async engine; for SQLite, WAL, full sync, foreign keys and ``BEGIN IMMEDIATE``;
    for PostgreSQL, a pool for ``lanes`` units of work side by side and the background's (see
    bot.storage.postgres)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return postgres_engine(url, echo, connect_timeout, lanes)
    _check_sqlite_driver(parsed)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # sqlite3 called in place behind the asyncio interface: see bot.storage.sqlite.inline.
    parsed = parsed.set(drivername=f"sqlite+{sqlite_inline.DRIVER}")
    engine = create_async_engine(parsed, echo=echo, connect_args={"timeout": BUSY_TIMEOUT})
    _tune_sqlite(engine.sync_engine)
    return engine


def _check_sqlite_driver(url: URL) -> None:
    driver = url.get_driver_name()
    if driver not in SQLITE_DRIVERS and driver not in FORMER_SQLITE_DRIVERS:
        raise UnusedSQLiteDriver(driver)


def in_place_engine(engine: AsyncEngine, durable: bool = True) -> Engine | None:
    """For a SQLite engine, a synchronous engine on the same database with the same settings,
    for units of work that call SQLite in place (see bot.storage.statements); else None.

    Not ``durable``: its commits do not wait for the disk (synchronous=NORMAL). They survive a
    crash of this process, not a power cut, until the next durable commit (a sync of the
    write-ahead log makes everything before it durable too)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None  # a database in memory is one per connection: it cannot be shared
    url = engine.url.set(drivername="sqlite+pysqlite")
    # Its commits run on a worker thread; the connection is used by one caller at a time.
    twin = create_sync_engine(
        url,
        echo=engine.echo,
        connect_args={"timeout": BUSY_TIMEOUT, "check_same_thread": False},
    )
    _tune_sqlite(twin, synchronous="FULL" if durable else "NORMAL", direct=True)
    return twin


def _tune_sqlite(engine: Engine, synchronous: str = "FULL", direct: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={IN_PLACE_BUSY_MS}")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    if direct:
        return  # the unit of work begins it, waiting for the lock the asyncio way

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two processes never deadlock
        # upgrading a read lock; the in-place driver waits for another process's lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
