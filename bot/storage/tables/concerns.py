"""Concerns, their status history, questions, usefulness answers, trend notes and the access log.

Columns ending in ``_enc`` hold sealed text only."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from bot.storage.tables.columns import Stamp, metadata

concerns = Table(
    "concerns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("network_id", String(64), nullable=False),
    Column("organisation_id", String(64), nullable=False),
    Column("reporter_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("mode", String(16), nullable=False),
    Column("subject", String(32), nullable=False),
    Column("age_band", String(16), nullable=False),
    Column("setting", String(32), nullable=False),
    Column("source", String(32), nullable=False),
    Column("urgency", String(16), nullable=False),
    Column("acute", Boolean, nullable=False),
    Column("contact_allowed", Boolean, nullable=False),
    Column("identity_shown", Boolean, nullable=False),
    Column("actions_taken", String(256), nullable=False),
    Column("facts_enc", Text, nullable=False),
    Column("interpretation_enc", Text, nullable=False),
    Column("counter_signals_enc", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("outcome", String(32), nullable=True),
    Column("assignee_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("acknowledged_by", Integer, ForeignKey("members.id"), nullable=True),
    Column("acknowledged_at", Stamp, nullable=True),
    Column("created_at", Stamp, nullable=False),
    Column("acknowledge_due", Stamp, nullable=False),
    Column("feedback_due", Stamp, nullable=False),
    Column("last_feedback_at", Stamp, nullable=True),
    Column("closed_at", Stamp, nullable=True),
    Column("frequency", String(16), nullable=False, server_default="unknown"),
    Column("informed", String(16), nullable=False, server_default="unknown"),
    Column("question_enc", Text, nullable=True),
    Column("sources_detail_enc", Text, nullable=True),
    Column("area", String(64), nullable=True),
    Index("ix_concerns_network_status", "network_id", "status"),
    Index("ix_concerns_reporter", "reporter_id"),
    Index("ix_concerns_network_created", "network_id", "created_at"),
    Index("ix_concerns_network_closed", "network_id", "closed_at"),
)


status_changes = Table(
    "status_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("concern_id", Integer, ForeignKey("concerns.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("outcome", String(32), nullable=True),
    Column("note_enc", Text, nullable=False),
    Column("by_member_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("at", Stamp, nullable=False),
    Index("ix_status_changes_concern", "concern_id"),
)


questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("concern_id", Integer, ForeignKey("concerns.id", ondelete="CASCADE"), nullable=False),
    Column("asked_by", Integer, ForeignKey("members.id"), nullable=True),
    Column("question_enc", Text, nullable=False),
    Column("asked_at", Stamp, nullable=False),
    Column("answer_enc", Text, nullable=True),
    Column("answered_at", Stamp, nullable=True),
    Index("ix_questions_concern", "concern_id"),
)


usefulness = Table(
    "usefulness",
    metadata,
    Column("concern_id", Integer, ForeignKey("concerns.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", String(64), nullable=False),
    Column("answer", String(8), nullable=False),
    Column("remark_enc", Text, nullable=True),
    Column("at", Stamp, nullable=False),
    Index("ix_usefulness_network_at", "network_id", "at"),
)


trend_notes = Table(
    "trend_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("network_id", String(64), nullable=False),
    Column("author_id", Integer, ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
    Column("note_enc", Text, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("used_in_digest", String(32), nullable=True),
    Index("ix_trend_notes_network", "network_id", "created_at"),
)


access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Stamp, nullable=False),
    Column("actor_member_id", Integer, nullable=True),
    Column("on_behalf_of", String(64), nullable=True),
    Column("channel", String(16), nullable=True),
    Column("concern_reference", String(16), nullable=True),
    Column("subject_member_id", Integer, nullable=True),
    Column("action", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Index("ix_access_log_concern", "concern_reference"),
)

__all__ = ["access_log", "concerns", "questions", "status_changes", "trend_notes", "usefulness"]
