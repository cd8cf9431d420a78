"""The access log: append-only rows of who did what to which record. Never content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from bot.domain.clock import as_utc
from bot.domain.model import AccessLogEntry
from bot.storage.statements import Statements
from bot.storage.tables import access_log


class AccessLogRepository:
    """Appends to and reads the access log; it has no update or delete on purpose."""

    def __init__(self, connection: Statements) -> None:
        self._c = connection

    async def add(self, entry: AccessLogEntry) -> None:
        """Append one row."""
        await self._c.execute(
            insert(access_log).values(
                at=entry.at,
                actor_member_id=entry.actor_member_id,
                on_behalf_of=entry.on_behalf_of,
                channel=entry.channel,
                concern_reference=entry.concern_reference,
                subject_member_id=entry.subject_member_id,
                action=entry.action,
                outcome=entry.outcome,
            )
        )

    async def entries(
        self,
        concern_reference: str | None = None,
        member_id: int | None = None,
        since: datetime | None = None,
    ) -> list[AccessLogEntry]:
        """Rows matching every filter given, oldest first."""
        query = select(access_log).order_by(access_log.c.id)
        if concern_reference is not None:
            query = query.where(access_log.c.concern_reference == concern_reference)
        if member_id is not None:
            query = query.where(
                (access_log.c.actor_member_id == member_id)
                | (access_log.c.subject_member_id == member_id)
            )
        if since is not None:
            query = query.where(access_log.c.at >= since)
        return [
            AccessLogEntry(
                at=as_utc(r.at),
                actor_member_id=r.actor_member_id,
                action=r.action,
                outcome=r.outcome,
                concern_reference=r.concern_reference,
                subject_member_id=r.subject_member_id,
                on_behalf_of=r.on_behalf_of,
                channel=r.channel,
            )
            for r in await self._c.execute(query)
        ]
