"""Table definitions (SQLAlchemy Core). Columns ending in ``_enc`` hold sealed text only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
    true,
)
from sqlalchemy.engine import Dialect

from bot.domain.clock import as_utc

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcStamp(TypeDecorator[datetime]):
    """A moment stored in UTC: SQLite keeps only the wall-clock time of what it is given, so a
    moment in another zone (a scheduler slot, an operator's --since) would be off by hours."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware moment to UTC before it is stored or compared."""
        return None if value is None else as_utc(value)


Stamp = UtcStamp()

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("network_id", String(64), nullable=False),
    Column("organisation_id", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("display_name_enc", Text, nullable=False),
    Column("pseudonym", String(16), nullable=False, unique=True),
    Column("created_at", Stamp, nullable=False),
    Column("unreachable", Boolean, nullable=False, default=False),
    Column("remove_messages", Boolean, nullable=False, default=True, server_default=true()),
    Column("digest", String(8), nullable=False, default="weekly", server_default="weekly"),
    Column("backup", Boolean, nullable=False, default=False, server_default=false()),
)

identities = Table(
    "identities",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("external_id", String(128), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", Stamp, nullable=False),
)

dialog_states = Table(
    "dialog_states",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("dialog", String(32), nullable=False),
    Column("step", String(32), nullable=False),
    Column("state_enc", Text, nullable=False),
    Column("started_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
    Column("reminded_at", Stamp, nullable=True),
)

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

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("address", String(128), nullable=False),
    Column("payload_enc", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Stamp, nullable=False),
    Column("claimed_until", Stamp, nullable=True),
    # The running instance that holds the claim (see bot.delivery.instances); None before 0009.
    Column("claimed_by", Integer, nullable=True),
    Column("created_at", Stamp, nullable=False),
    Column("sent_at", Stamp, nullable=True),
    Column("last_error", String(64), nullable=True),
    # Messages to one recipient with the same key go out in order (see storage.outbox).
    Column("order_key", String(64), nullable=False, default="", server_default=""),
    Index("ix_outbox_due", "state", "channel", "next_attempt_at"),
    Index("ix_outbox_address", "channel", "address", "state"),
)

invites = Table(
    "invites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("network_id", String(64), nullable=False),
    Column("organisation_id", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("expires_at", Stamp, nullable=False),
    Column("used_at", Stamp, nullable=True),
    Column("used_by", Integer, ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
)

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

posted_messages = Table(
    "posted_messages",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("address", String(128), primary_key=True),
    Column("slot", String(64), primary_key=True),
    Column("message_id", String(64), nullable=False),
    Column("concern_reference", String(16), nullable=True),
    Column("at", Stamp, nullable=False),
    Index("ix_posted_messages_concern", "concern_reference"),
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

job_runs = Table(
    "job_runs",
    metadata,
    Column("job", String(32), primary_key=True),
    Column("period", String(64), primary_key=True),
    Column("at", Stamp, nullable=False),
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

send_budgets = Table(
    "send_budgets",
    metadata,
    Column("channel", String(16), primary_key=True),
    # The theoretical arrival time (GCRA) of the channel's next free send slot, database time.
    Column("tat", Stamp, nullable=False),
)

send_budget_holders = Table(
    "send_budget_holders",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("instance", String(32), primary_key=True),
    Column("seen_at", Stamp, nullable=False),
)

__all__ = [
    "access_log",
    "attempts",
    "concerns",
    "dialog_states",
    "identities",
    "invites",
    "job_runs",
    "members",
    "metadata",
    "outbox",
    "posted_messages",
    "processed_events",
    "questions",
    "send_budget_holders",
    "send_budgets",
    "status_changes",
    "trend_notes",
    "usefulness",
]
