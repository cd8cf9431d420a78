"""Concerns and their status history; free-text fields are sealed per column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update

from bot.domain.clock import as_utc
from bot.domain.model import Concern, Status
from bot.storage import concern_rows as rows
from bot.storage.crypto import Cipher
from bot.storage.ids import new_id
from bot.storage.statements import Statements
from bot.storage.tables import concerns, status_changes

_OPEN = tuple(s.value for s in Status if s is not Status.CLOSED)
"""Every open status, listed so that a query can seek them in an index (``!=`` cannot)."""


@dataclass(frozen=True)
class OpenConcern:
    """An open concern as its reporter's digest lists it: no account text, only the newest
    feedback note the coordinators sent the reporter (empty when there was none)."""

    reference: str
    created_at: datetime
    status: Status
    feedback_due: datetime
    last_feedback: str


class ConcernRepository:
    """Reads and writes concerns."""

    def __init__(self, connection: Statements, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher
        self._known_history: dict[int, int] = {}

    async def add(self, concern: Concern) -> Concern:
        """Store a new concern; returns it with its id."""
        values = rows.new_concern_values(concern, self._cipher)
        result = await self._c.execute(insert(concerns).values(**values))
        concern.id = new_id(result)
        self._known_history[concern.id] = 0
        await self._write_history(concern)
        return concern

    async def save(self, concern: Concern) -> None:
        """Write back what use cases may change: status, assignment, deadlines, history."""
        assert concern.id is not None
        changed = rows.changing_values(concern)
        await self._c.execute(update(concerns).where(concerns.c.id == concern.id).values(**changed))
        await self._write_history(concern)

    async def save_reporter_preferences(self, concern: Concern) -> None:
        """Write back whether the reporter's name is shown and whether they may be contacted."""
        assert concern.id is not None
        await self._c.execute(
            update(concerns)
            .where(concerns.c.id == concern.id)
            .values(identity_shown=concern.identity_shown, contact_allowed=concern.contact_allowed)
        )

    async def save_account(self, concern: Concern) -> None:
        """Write back the account of a concern stored before its intake ended (acute)."""
        assert concern.id is not None
        await self._c.execute(
            update(concerns)
            .where(concerns.c.id == concern.id)
            .values(**rows.account_values(concern, self._cipher))
        )

    async def by_reference(self, reference: str) -> Concern | None:
        """Return the concern with this reference code."""
        query = select(concerns).where(concerns.c.reference == reference.strip().upper())
        row = (await self._c.execute(query)).first()
        return None if row is None else await self._concern(row._mapping)

    async def by_id(self, concern_id: int) -> Concern | None:
        """Return the concern with this database id."""
        row = (await self._c.execute(select(concerns).where(concerns.c.id == concern_id))).first()
        return None if row is None else await self._concern(row._mapping)

    async def open_in_network(self, network_id: str) -> list[Concern]:
        """Every open concern of a network, oldest first."""
        query = select(concerns).where(
            concerns.c.network_id == network_id, concerns.c.status.in_(_OPEN)
        )
        rows = sorted(await self._c.execute(query), key=_creation)
        return [await self._concern(r._mapping) for r in rows]

    async def of_reporter(self, reporter_id: int) -> list[Concern]:
        """Every concern a reporter shared, newest first."""
        query = (
            select(concerns)
            .where(concerns.c.reporter_id == reporter_id)
            .order_by(concerns.c.created_at.desc())
        )
        return [await self._concern(r._mapping) for r in await self._c.execute(query)]

    async def open_by_reporter(self, network_id: str) -> dict[int, list[OpenConcern]]:
        """The open concerns of the network by reporter id, newest first, in two queries;
        only status notes are decrypted, newest first until one is not empty."""
        c = concerns.c
        is_open = (c.network_id == network_id, c.status.in_(_OPEN))
        notes: dict[int, list[str]] = {}
        history = (
            select(status_changes.c.concern_id, status_changes.c.note_enc)
            .join(concerns, c.id == status_changes.c.concern_id)
            .where(*is_open)
            .order_by(status_changes.c.concern_id, status_changes.c.id.desc())
        )
        for concern_id, sealed in await self._c.execute(history):
            notes.setdefault(concern_id, []).append(sealed)
        query = select(
            c.id, c.reporter_id, c.reference, c.created_at, c.status, c.feedback_due
        ).where(*is_open, c.reporter_id.is_not(None))
        rows = sorted(await self._c.execute(query), key=_creation)
        found: dict[int, list[OpenConcern]] = {}
        for row in reversed(rows):
            found.setdefault(row.reporter_id, []).append(
                OpenConcern(
                    reference=row.reference,
                    created_at=as_utc(row.created_at),
                    status=Status(row.status),
                    feedback_due=as_utc(row.feedback_due),
                    last_feedback=self._newest_note(notes.get(row.id, ())),
                )
            )
        return found

    def _newest_note(self, sealed_newest_first: Iterable[str]) -> str:
        for sealed in sealed_newest_first:
            if note := self._cipher.open(sealed, rows.NOTE):
                return note
        return ""

    async def closed_before(self, network_id: str, cutoff: datetime) -> list[tuple[int, str]]:
        """Ids and references of concerns closed before ``cutoff`` (nothing is decrypted)."""
        query = select(concerns.c.id, concerns.c.reference).where(
            concerns.c.network_id == network_id,
            concerns.c.status == Status.CLOSED.value,
            concerns.c.closed_at < cutoff,
        )
        return [(int(r.id), str(r.reference)) for r in await self._c.execute(query)]

    async def delete(self, concern_id: int) -> None:
        """Delete a concern with its history, questions and usefulness answer."""
        await self._c.execute(delete(concerns).where(concerns.c.id == concern_id))

    async def reference_taken(self, reference: str) -> bool:
        """True when a concern already has this reference."""
        query = select(concerns.c.id).where(concerns.c.reference == reference)
        return (await self._c.execute(query)).first() is not None

    async def _write_history(self, concern: Concern) -> None:
        assert concern.id is not None
        known = self._known_history.get(concern.id, 0)
        for change in concern.history[known:]:
            values = rows.status_change_values(concern.id, change, self._cipher)
            await self._c.execute(insert(status_changes).values(**values))
        self._known_history[concern.id] = len(concern.history)

    async def _concern(self, row: RowMapping) -> Concern:
        history_rows = await self._c.execute(
            select(status_changes)
            .where(status_changes.c.concern_id == row["id"])
            .order_by(status_changes.c.id)
        )
        history = [rows.status_change(h, self._cipher) for h in history_rows]
        self._known_history[row["id"]] = len(history)
        return rows.concern(row, history, self._cipher)


def _creation(row: Any) -> tuple[datetime, int]:
    """Rows of open concerns are sorted here, not in SQL: asked to sort them, SQLite walks
    every concern of the network in creation order (an index that spares it the sort) rather
    than seeking the few open statuses."""
    return row.created_at, row.id
