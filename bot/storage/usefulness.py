"""Reporters' answers to 'was sharing useful?', once per concern (remarks sealed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from bot.storage.crypto import Cipher
from bot.storage.once import insert_once
from bot.storage.statements import Statements
from bot.storage.tables import usefulness

_REMARK = "usefulness.remark"


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
