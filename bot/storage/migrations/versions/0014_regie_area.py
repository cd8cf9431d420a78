"""concerns: the area (district) a reporter chose from the network's list

Revision ID: 0014_regie
Revises: 0013_casefile
Create Date: 2026-12-03 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014_regie"
down_revision: str | None = "0013_casefile"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision (plain ADD COLUMN, nullable: rows stored before have no area)."""
    op.add_column("concerns", sa.Column("area", sa.String(64), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("concerns", "area")
