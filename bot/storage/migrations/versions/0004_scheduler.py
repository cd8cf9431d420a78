"""scheduler: job runs, usefulness, digest and backup preferences

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 11:47:44.366930
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", "period", name=op.f("pk_job_runs")),
    )
    op.create_table(
        "usefulness",
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("remark_enc", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concerns.id"],
            name=op.f("fk_usefulness_concern_id_concerns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("concern_id", name=op.f("pk_usefulness")),
    )
    op.add_column("dialog_states", sa.Column("reminded_at", sa.DateTime(timezone=True)))
    op.add_column(
        "members",
        sa.Column("digest", sa.String(length=8), server_default="weekly", nullable=False),
    )
    op.add_column(
        "members", sa.Column("backup", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("members", "backup")
    op.drop_column("members", "digest")
    op.drop_column("dialog_states", "reminded_at")

    op.drop_table("usefulness")
    op.drop_table("job_runs")
