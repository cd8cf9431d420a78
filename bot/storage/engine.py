"""Database engines: SQLite tuned for durability and one writer at a time, or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.sqlite import inline as sqlite_inline
from bot.storage.sqlite.lock_wait import IN_PLACE_BUSY_MS

BUSY_TIMEOUT = IN_PLACE_BUSY_MS / 1000
"""Seconds SQLite's own busy handler waits for another process's write lock, inside the call
and so on the event loop: a few milliseconds. Longer waits are asynchronous (see
bot.storage.sqlite.lock_wait)."""


CONNECT_TIMEOUT = 10
"""Seconds a new PostgreSQL connection may take before it fails (libpq's connect_timeout): a
server that accepts and never answers must not hang the start, or a turn, for good."""


def create_engine(
    url: str, echo: bool = False, connect_timeout: int = CONNECT_TIMEOUT
) -> AsyncEngine:
    """Create an async engine; for SQLite, WAL, full sync, foreign keys and ``BEGIN IMMEDIATE``."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        limits = (
            {"connect_timeout": connect_timeout} if parsed.get_driver_name() == "psycopg" else {}
        )
        return create_async_engine(url, echo=echo, pool_pre_ping=True, connect_args=limits)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # Whatever SQLite driver the URL names (sqlite://, sqlite+aiosqlite://), the in-place one
    # serves it: see bot.storage.sqlite.inline for why.
    parsed = parsed.set(drivername=f"sqlite+{sqlite_inline.DRIVER}")
    engine = create_async_engine(parsed, echo=echo, connect_args={"timeout": BUSY_TIMEOUT})
    _tune_sqlite(engine.sync_engine)
    return engine


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
