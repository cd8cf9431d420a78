"""What a case meeting agreed about a concern, with its legal basis (the agreement sealed)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from bot.storage.tables.columns import Stamp, metadata

agreements = Table(
    "agreements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("concern_id", Integer, ForeignKey("concerns.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("agreed_enc", Text, nullable=False),
    Column("legal_basis", String(32), nullable=False),
    Column("informed", String(16), nullable=False),
    Column("informed_on", String(10), nullable=True),  # an ISO date, as the coordinator gave it
    Column("at", Stamp, nullable=False),
    Index("ix_agreements_concern", "concern_id"),
)
