"""Reporters' answers to 'was sharing useful?', once per concern (remarks sealed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from bot.domain.clock import as_utc
from bot.storage.crypto import Cipher
from bot.storage.once import insert_once
from bot.storage.statements import Statements
from bot.storage.tables import usefulness

_REMARK = "usefulness.remark"


@dataclass(frozen=True)
class UsefulnessAnswer:
    """A reporter's answer for one concern, with the remark unsealed ("" when none)."""

    answer: str
    remark: str
    at: datetime


class UsefulnessAnswers:
    """Records the answer once and an optional remark."""

    def __init__(self, connection: Statements, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher

    async def record(self, concern_id: int, network_id: str, answer: str, at: datetime) -> bool:
        """Store the answer; False when the reporter already answered for this concern."""
        return await insert_once(
            self._c,
            usefulness,
            concern_id=concern_id,
            network_id=network_id,
            answer=answer,
            at=at,
        )

    async def add_remark(self, concern_id: int, remark: str) -> None:
        """Attach the reporter's remark to their answer."""
        await self._c.execute(
            update(usefulness)
            .where(usefulness.c.concern_id == concern_id)
            .values(remark_enc=self._cipher.seal(remark, _REMARK))
        )

    async def of_concern(self, concern_id: int) -> UsefulnessAnswer | None:
        """The reporter's answer for this concern, if they gave one."""
        row = (
            await self._c.execute(select(usefulness).where(usefulness.c.concern_id == concern_id))
        ).first()
        if row is None:
            return None
        remark = "" if row.remark_enc is None else self._cipher.open(row.remark_enc, _REMARK)
        return UsefulnessAnswer(row.answer, remark, as_utc(row.at))
