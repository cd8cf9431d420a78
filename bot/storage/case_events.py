"""The case file's own events of a concern (notes, handovers, reopenings, links, reasons)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from bot.domain.clock import as_utc
from bot.storage.crypto import Cipher
from bot.storage.ids import new_id
from bot.storage.statements import Statements
from bot.storage.tables import case_events

_TEXT = "case_events.text"


@dataclass(frozen=True)
class CaseEvent:
    """One stored event: ``kind`` is an ``EntryKind`` value, ``text`` the unsealed free text,
    ``detail`` a short value that is not free text (a status, a reference)."""

    id: int
    concern_id: int
    kind: str
    actor_id: int | None
    at: datetime
    text: str = ""
    detail: str = ""
    subject_id: int | None = None
    linked_id: int | None = None


class CaseEventRepository:
    """Reads and writes a concern's case events (the free text sealed)."""

    def __init__(self, connection: Statements, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher

    async def add(
        self,
        concern_id: int,
        kind: str,
        actor_id: int | None,
        at: datetime,
        text: str = "",
        detail: str = "",
        subject_id: int | None = None,
        linked_id: int | None = None,
    ) -> int:
        """Store an event; returns its id."""
        result = await self._c.execute(
            insert(case_events).values(
                concern_id=concern_id,
                kind=kind,
                actor_id=actor_id,
                subject_id=subject_id,
                linked_id=linked_id,
                detail=detail,
                text_enc=self._cipher.seal(text, _TEXT) if text else None,
                at=at,
            )
        )
        return new_id(result)

    async def of_concern(self, concern_id: int) -> list[CaseEvent]:
        """Every event of a concern, oldest first."""
        e = case_events.c
        query = select(case_events).where(e.concern_id == concern_id).order_by(e.id)
        return [
            CaseEvent(
                id=row.id,
                concern_id=row.concern_id,
                kind=row.kind,
                actor_id=row.actor_id,
                at=as_utc(row.at),
                text="" if row.text_enc is None else self._cipher.open(row.text_enc, _TEXT),
                detail=row.detail,
                subject_id=row.subject_id,
                linked_id=row.linked_id,
            )
            for row in await self._c.execute(query)
        ]

    async def linked_to(self, concern_id: int) -> list[str]:
        """The references of the concerns linked to this one now (a later unlink undoes a link;
        a concern that was deleted is linked no more), read from the non-free ``detail``."""
        e = case_events.c
        query = (
            select(e.kind, e.detail)
            .where(
                e.concern_id == concern_id,
                e.kind.in_(("linked", "unlinked")),
                e.linked_id.is_not(None),  # the other concern is gone (erased, or retention)
            )
            .order_by(e.id)
        )
        linked: list[str] = []
        for kind, detail in await self._c.execute(query):
            if kind == "linked" and detail not in linked:
                linked.append(str(detail))
            elif kind == "unlinked" and detail in linked:
                linked.remove(detail)
        return linked
