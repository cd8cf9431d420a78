"""The stored position of each member in their current dialog (sealed: it holds answers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.crypto import Cipher
from bot.dialog import DialogState
from bot.storage.tables import dialog_states

_STATE = "dialog_states.state"


class DialogStateRepository:
    """Loads and saves dialog states, one per member."""

    def __init__(self, connection: AsyncConnection, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher

    async def load(self, member_id: int) -> DialogState | None:
        """Return the member's dialog state, if a dialog is under way."""
        query = select(dialog_states.c.state_enc).where(dialog_states.c.member_id == member_id)
        row = (await self._c.execute(query)).first()
        if row is None:
            return None
        return DialogState.from_json(self._cipher.open(row.state_enc, _STATE))

    async def save(self, member_id: int, state: DialogState, now: datetime) -> None:
        """Store ``state`` as the member's current position."""
        sealed = self._cipher.seal(state.to_json(), _STATE)
        changed = await self._c.execute(
            update(dialog_states)
            .where(dialog_states.c.member_id == member_id)
            .values(dialog=state.dialog, step=state.step, state_enc=sealed, updated_at=now)
        )
        if changed.rowcount == 0:
            await self._c.execute(
                insert(dialog_states).values(
                    member_id=member_id,
                    dialog=state.dialog,
                    step=state.step,
                    state_enc=sealed,
                    started_at=now,
                    updated_at=now,
                )
            )

    async def clear(self, member_id: int) -> None:
        """Forget the member's dialog state."""
        await self._c.execute(delete(dialog_states).where(dialog_states.c.member_id == member_id))
