"""outbox pending index: a partial index on the rows still to be sent, for the claim

The outbox keeps its sent rows until the purge (days of them), and every delivery pass looks
for the few pending ones: an index of those alone stays small however many were sent.

Revision ID: 0017_outbox_pending
Revises: 0016_sheet
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017_outbox_pending"
down_revision: str | None = "0016_sheet"
branch_labels: str | None = None
depends_on: str | None = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    """Apply this revision (an index: no row changes)."""
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["channel", "next_attempt_at"],
        unique=False,
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_outbox_pending", table_name="outbox")
