"""outbox order key: a channel's cards of different concerns may pass each other

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(
            sa.Column("order_key", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("order_key")
