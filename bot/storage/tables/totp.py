"""Members' authenticator secrets for step-up codes (sealed), and their recent attempts."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Table, Text

from bot.storage.tables.columns import Stamp, metadata

totp_secrets = Table(
    "totp_secrets",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("secret_enc", Text, nullable=False),
    Column("created_at", Stamp, nullable=False),
    # Null while enrolment waits for the first code: the secret is not active yet.
    Column("confirmed_at", Stamp, nullable=True),
    # The time-step of the last code accepted: neither it nor an older one is taken again.
    Column("last_step", Integer, nullable=True),
    # When the member last gave a right code: the idle time runs from here.
    Column("verified_at", Stamp, nullable=True),
    Column("failures", Integer, nullable=False, default=0, server_default="0"),
    Column("locked_until", Stamp, nullable=True),
)
