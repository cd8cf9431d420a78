"""two-way additions: what a reporter adds to a concern or writes to the coordinator later

Revision ID: 0011_twoway
Revises: 0010_dialog
Create Date: 2026-12-02 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011_twoway"
down_revision: str | None = "0010_dialog"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "additions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["members.id"], name=op.f("fk_additions_author_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concerns.id"],
            name=op.f("fk_additions_concern_id_concerns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_additions")),
    )
    with op.batch_alter_table("additions", schema=None) as batch_op:
        batch_op.create_index("ix_additions_concern", ["concern_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("additions", schema=None) as batch_op:
        batch_op.drop_index("ix_additions_concern")
    op.drop_table("additions")
