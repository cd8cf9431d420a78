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
    """Apply this revision."""
    with op.batch_alter_table("concerns") as batch_op:
        batch_op.add_column(
            sa.Column("frequency", sa.String(16), nullable=False, server_default="unknown")
        )
        batch_op.add_column(
            sa.Column("informed", sa.String(16), nullable=False, server_default="unknown")
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("concerns") as batch_op:
        batch_op.drop_column("informed")
        batch_op.drop_column("frequency")
