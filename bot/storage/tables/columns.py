"""The metadata every table belongs to, and the column type of a moment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    MetaData,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

from bot.domain.clock import as_utc

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcStamp(TypeDecorator[datetime]):
    """A moment stored in UTC: SQLite keeps only the wall-clock time of what it is given, so a
    moment in another zone (a scheduler slot, an operator's --since) would be off by hours."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware moment to UTC before it is stored or compared."""
        return None if value is None else as_utc(value)


Stamp = UtcStamp()

__all__ = ["Stamp", "UtcStamp", "metadata"]
