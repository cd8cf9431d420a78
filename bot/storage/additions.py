"""Additions to a concern after it was shared, and messages to the coordinator (sealed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from bot.domain.clock import as_utc
from bot.storage.crypto import Cipher
from bot.storage.ids import new_id
from bot.storage.statements import Statements
from bot.storage.tables import additions

_TEXT = "additions.text"


@dataclass(frozen=True)
class Addition:
    """One later addition (``kind``: "addition" or "message"), who wrote it and when."""

    id: int
    concern_id: int
    author_id: int | None
    kind: str
    text: str
    at: datetime


class AdditionRepository:
    """Reads and writes later additions."""

    def __init__(self, connection: Statements, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher

    async def add(self, concern_id: int, author_id: int, kind: str, text: str, at: datetime) -> int:
        """Store an addition; returns its id."""
        result = await self._c.execute(
            insert(additions).values(
                concern_id=concern_id,
                author_id=author_id,
                kind=kind,
                text_enc=self._cipher.seal(text, _TEXT),
                at=at,
            )
        )
        return new_id(result)

    async def of_concern(self, concern_id: int) -> list[Addition]:
        """Every addition to a concern, oldest first."""
        query = (
            select(additions).where(additions.c.concern_id == concern_id).order_by(additions.c.id)
        )
        return [
            Addition(
                id=row.id,
                concern_id=row.concern_id,
                author_id=row.author_id,
                kind=row.kind,
                text=self._cipher.open(row.text_enc, _TEXT),
                at=as_utc(row.at),
            )
            for row in await self._c.execute(query)
        ]
