"""Bookkeeping of the running bot: events already handled, attempt windows, scheduled job runs."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from bot.storage.tables.columns import Stamp, metadata

processed_events = Table(
    "processed_events",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("at", Stamp, nullable=False),
)


attempts = Table(
    "attempts",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("window_start", Stamp, nullable=False),
    Column("count", Integer, nullable=False),
)


job_runs = Table(
    "job_runs",
    metadata,
    Column("job", String(32), primary_key=True),
    Column("period", String(64), primary_key=True),
    Column("at", Stamp, nullable=False),
)

__all__ = ["attempts", "job_runs", "processed_events"]
