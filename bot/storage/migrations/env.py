"""Alembic environment: runs on the connection that ``bot.storage.migrate`` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.storage.tables import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    url = config.get_main_option("sqlalchemy.url") or "sqlite:///var/concernbot.db"
    with create_engine(url).connect() as standalone:
        context.configure(
            connection=standalone,
            target_metadata=metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
