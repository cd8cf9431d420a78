"""What a reporter added to a concern after sharing it, or wrote to the coordinator (sealed)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from bot.storage.tables.columns import Stamp, metadata

additions = Table(
    "additions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("concern_id", Integer, ForeignKey("concerns.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("text_enc", Text, nullable=False),
    Column("at", Stamp, nullable=False),
    Index("ix_additions_concern", "concern_id"),
)
