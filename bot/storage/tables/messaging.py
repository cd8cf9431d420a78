"""Messages going out: the outbox, messages posted and kept track of, the shared send budgets."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, text

from bot.storage.tables.columns import Stamp, metadata

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
    # The few rows still to be sent, for the claim (which writes 'pending' into its SQL).
    Index(
        "ix_outbox_pending",
        "channel",
        "next_attempt_at",
        postgresql_where=text("state = 'pending'"),
        sqlite_where=text("state = 'pending'"),
    ),
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

__all__ = ["outbox", "posted_messages", "send_budget_holders", "send_budgets"]
