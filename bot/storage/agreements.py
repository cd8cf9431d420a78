"""What case meetings agreed about a concern (sealed), with the legal basis and who was told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from bot.domain.clock import as_utc
from bot.storage.crypto import Cipher
from bot.storage.ids import new_id
from bot.storage.statements import Statements
from bot.storage.tables import agreements

_AGREED = "agreements.agreed"


@dataclass(frozen=True)
class Agreement:
    """One case meeting's record: what was agreed (free text), on which legal basis (a
    vocabulary key), whether the young person or parents were informed, and on which day."""

    concern_id: int
    author_id: int | None
    agreed: str
    legal_basis: str
    informed: str
    informed_on: str | None
    at: datetime


class AgreementRepository:
    """Reads and writes case-meeting agreements."""

    def __init__(self, connection: Statements, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher

    async def add(self, agreement: Agreement) -> int:
        """Store an agreement; returns its id."""
        result = await self._c.execute(
            insert(agreements).values(
                concern_id=agreement.concern_id,
                author_id=agreement.author_id,
                agreed_enc=self._cipher.seal(agreement.agreed, _AGREED),
                legal_basis=agreement.legal_basis,
                informed=agreement.informed,
                informed_on=agreement.informed_on,
                at=agreement.at,
            )
        )
        return new_id(result)

    async def of_concern(self, concern_id: int) -> list[Agreement]:
        """Every agreement about a concern, oldest first."""
        query = (
            select(agreements)
            .where(agreements.c.concern_id == concern_id)
            .order_by(agreements.c.id)
        )
        return [
            Agreement(
                concern_id=row.concern_id,
                author_id=row.author_id,
                agreed=self._cipher.open(row.agreed_enc, _AGREED),
                legal_basis=row.legal_basis,
                informed=row.informed,
                informed_on=row.informed_on,
                at=as_utc(row.at),
            )
            for row in await self._c.execute(query)
        ]
