"""Once-only processing: an event id is recorded in the same transaction as its effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.tables import processed_events


class ProcessedEvents:
    """Remembers which platform events have had their effect."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def first_time(self, channel: str, event_id: str, at: datetime) -> bool:
        """Record the event; False when it was recorded before (a redelivery)."""
        dialect = self._c.dialect.name
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = maker(processed_events).values(channel=channel, event_id=event_id, at=at)
        result = await self._c.execute(statement.on_conflict_do_nothing())
        return bool(result.rowcount == 1)
