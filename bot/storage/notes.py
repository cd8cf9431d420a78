"""Coordinators' trend notes for the next digest (sealed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from bot.domain.clock import as_utc
from bot.storage.crypto import Cipher
from bot.storage.statements import Statements
from bot.storage.tables import trend_notes

_NOTE = "trend_notes.note"


@dataclass(frozen=True)
class TrendNote:
    """A note on what coordinators see happening in the network."""

    network_id: str
    author_id: int | None
    text: str
    created_at: datetime


class TrendNotes:
    """Adds and reads trend notes."""

    def __init__(self, connection: Statements, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher

    async def add(self, network_id: str, author_id: int, text: str, at: datetime) -> None:
        """Store a note."""
        await self._c.execute(
            insert(trend_notes).values(
                network_id=network_id,
                author_id=author_id,
                note_enc=self._cipher.seal(text, _NOTE),
                created_at=at,
            )
        )

    async def between(self, network_id: str, start: datetime, end: datetime) -> list[TrendNote]:
        """Notes written in ``[start, end)``, oldest first."""
        query = (
            select(trend_notes)
            .where(
                trend_notes.c.network_id == network_id,
                trend_notes.c.created_at >= start,
                trend_notes.c.created_at < end,
            )
            .order_by(trend_notes.c.id)
        )
        return [
            TrendNote(
                r.network_id,
                r.author_id,
                self._cipher.open(r.note_enc, _NOTE),
                as_utc(r.created_at),
            )
            for r in await self._c.execute(query)
        ]
