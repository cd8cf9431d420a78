"""Members, their channel identities, the dialogs they are in and the invites they used."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, false, true

from bot.storage.tables.columns import Stamp, metadata

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

__all__ = ["dialog_states", "identities", "invites", "members"]
