"""concerns: how often it was noticed, and whether the young person or parents know

Revision ID: 0010_dialog
Revises: 0009
Create Date: 2026-12-02 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010_dialog"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision (plain ADD COLUMN: a batch copy of concerns would cascade-delete the
    rows that refer to it on SQLite)."""
    op.add_column(
        "concerns",
        sa.Column("frequency", sa.String(16), server_default="unknown", nullable=False),
    )
    op.add_column(
        "concerns",
        sa.Column("informed", sa.String(16), server_default="unknown", nullable=False),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("concerns", "informed")
    op.drop_column("concerns", "frequency")
