"""case file: internal notes, handovers, reopenings, links and status reasons of a concern

Revision ID: 0013_casefile
Revises: 0012_advice
Create Date: 2026-12-03 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013_casefile"
down_revision: str | None = "0012_advice"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("linked_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=64), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["members.id"], name=op.f("fk_case_events_actor_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["members.id"], name=op.f("fk_case_events_subject_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concerns.id"],
            name=op.f("fk_case_events_concern_id_concerns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["linked_id"],
            ["concerns.id"],
            name=op.f("fk_case_events_linked_id_concerns"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_case_events_concern", ["concern_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_events_concern")
    op.drop_table("case_events")
