"""The case file's own events: internal notes, handovers, reopenings, links and the reasons of
status changes (free text sealed in ``text_enc``)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from bot.storage.tables.columns import Stamp, metadata

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("concern_id", Integer, ForeignKey("concerns.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("actor_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("subject_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("linked_id", Integer, ForeignKey("concerns.id", ondelete="SET NULL"), nullable=True),
    Column("detail", String(64), nullable=False, default=""),
    Column("text_enc", Text, nullable=True),
    Column("at", Stamp, nullable=False),
    Index("ix_case_events_concern", "concern_id"),
)
