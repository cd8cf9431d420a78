"""concerns: an advice consult's question, and which part comes from which source (both sealed)

Revision ID: 0012_advice
Revises: 0011_twoway
Create Date: 2026-12-02 18:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012_advice"
down_revision: str | None = "0011_twoway"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision (plain ADD COLUMN, nullable: rows stored before have neither)."""
    op.add_column("concerns", sa.Column("question_enc", sa.Text(), nullable=True))
    op.add_column("concerns", sa.Column("sources_detail_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("concerns", "sources_detail_enc")
    op.drop_column("concerns", "question_enc")
