"""Alembic migrations; applied on start by ``bot.storage.migrate``."""
