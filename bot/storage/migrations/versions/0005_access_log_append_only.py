"""access log append-only: the database refuses UPDATE and DELETE on it

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_SQLITE = (
    "CREATE TRIGGER access_log_no_{verb} BEFORE {event} ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END"
)
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$ LANGUAGE plpgsql"
)
_PG_TRIGGER = (
    "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log "
    "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()"
)


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
        return
    op.execute(_SQLITE.format(verb="update", event="UPDATE"))
    op.execute(_SQLITE.format(verb="delete", event="DELETE"))


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_log_append_only ON access_log")
        op.execute("DROP FUNCTION IF EXISTS access_log_append_only()")
        return
    op.execute("DROP TRIGGER IF EXISTS access_log_no_update")
    op.execute("DROP TRIGGER IF EXISTS access_log_no_delete")
