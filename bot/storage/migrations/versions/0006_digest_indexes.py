"""digest indexes: concerns by network and creation or closing time, answers by network and time

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

# (name, table, columns): the digest counts concerns shared, concerns closed and usefulness
# answers in a period of one network; without these it reads every row of the network.
INDEXES = (
    ("ix_concerns_network_created", "concerns", ["network_id", "created_at"]),
    ("ix_concerns_network_closed", "concerns", ["network_id", "closed_at"]),
    ("ix_usefulness_network_at", "usefulness", ["network_id", "at"]),
)


def upgrade() -> None:
    """Apply this revision."""
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    """Revert this revision."""
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
