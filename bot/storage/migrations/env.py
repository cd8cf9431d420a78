"""Alembic environment: runs on the connection that ``bot.storage.migrate`` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from bot.storage.tables import metadata

config = context.config


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


handed_over = config.attributes.get("connection")
if handed_over is not None:
    _migrate(handed_over)
else:
    url = config.get_main_option("sqlalchemy.url") or "sqlite:///var/concernbot.db"
    with create_engine(url).connect() as standalone:
        _migrate(standalone)
