"""PostgreSQL engines: a pool sized to what runs side by side, and a check at checkout that a
connection is still there which costs no round trip (``pool_pre_ping`` costs one per unit of
work, a transaction of its own)."""

from __future__ import annotations

import select
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DEFAULT_LANES = 8
"""Units of work a process runs side by side for its channels when not told (``[telegram]
concurrent_updates``' default)."""
BACKGROUND = 4
"""Connections besides the lanes': the outbox worker's, the scheduler's, the scheduler lock's
(held while this instance leads) and the shared send budget's."""
POOL_MARGIN = 2
RECYCLE_SECONDS = 1800
"""A connection older than this is replaced at checkout (a proxy or firewall that drops idle
connections without a word is not noticed otherwise)."""


def pool_size(lanes: int) -> int:
    """Connections to keep open: one per lane, the background's and a small margin."""
    return max(lanes, 1) + BACKGROUND + POOL_MARGIN


def postgres_engine(url: str, echo: bool, connect_timeout: int, lanes: int) -> AsyncEngine:
    """An engine on PostgreSQL; with psycopg, a dropped connection is replaced at checkout."""
    psycopg = make_url(url).get_driver_name() == "psycopg"
    size = pool_size(lanes)
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=size,
        max_overflow=max(size, 10),  # bursts: never fewer than SQLAlchemy's default 5 + 10
        pool_recycle=RECYCLE_SECONDS,
        pool_pre_ping=not psycopg,  # another driver: its socket is not looked at
        connect_args={"connect_timeout": connect_timeout} if psycopg else {},
    )
    if psycopg:
        event.listen(engine.sync_engine.pool, "checkout", refuse_dropped)
    return engine


def refuse_dropped(dbapi_connection: Any, _record: object, _proxy: object) -> None:
    """Pool checkout: a connection the server ended (a restart, ``pg_terminate_backend``, an
    idle timeout) has its goodbye waiting on the socket, where an idle connection has nothing
    to read: the pool replaces it (DisconnectionError) before a unit of work uses it."""
    driver = dbapi_connection.driver_connection
    if driver.closed or driver.broken or _readable(driver.pgconn.socket):
        raise DisconnectionError("the server closed this connection")


def _readable(fd: int) -> bool:
    """True when the socket has something to read, or is no socket any more."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    try:
        return bool(poller.poll(0))
    except OSError:
        return True
