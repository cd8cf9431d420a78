"""send budget: one overall send rate per channel shared by every instance (PostgreSQL)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "send_budgets",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("tat", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_send_budgets")),
    )
    op.create_table(
        "send_budget_holders",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("instance", sa.String(length=32), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "instance", name=op.f("pk_send_budget_holders")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("send_budget_holders")
    op.drop_table("send_budgets")
