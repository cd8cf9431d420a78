"""The stored position of each member in their current dialog (sealed: it holds answers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update

from bot.conversation.dialog import DialogState
from bot.domain.clock import as_utc
from bot.storage.crypto import Cipher
from bot.storage.statements import Statements
from bot.storage.tables import dialog_states

_STATE = "dialog_states.state"

# Read and written at every turn: built once, with parameters (building costs more than running).
_LOAD = select(dialog_states.c.state_enc).where(dialog_states.c.member_id == bindparam("member"))
_SAVE = (
    update(dialog_states)
    .where(dialog_states.c.member_id == bindparam("member"))
    .values(
        dialog=bindparam("new_dialog"),
        step=bindparam("new_step"),
        state_enc=bindparam("new_state"),
        updated_at=bindparam("now"),
    )
)


@dataclass(frozen=True)
class Draft:
    """A dialog under way, described without its answers."""

    member_id: int
    dialog: str
    updated_at: datetime
    reminded_at: datetime | None


class DialogStateRepository:
    """Loads and saves dialog states, one per member."""

    def __init__(self, connection: Statements, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher

    async def load(self, member_id: int) -> DialogState | None:
        """Return the member's dialog state, if a dialog is under way."""
        row = (await self._c.execute(_LOAD, {"member": member_id})).first()
        return self.opened(None if row is None else row.state_enc)

    def opened(self, sealed: str | None) -> DialogState | None:
        """The state of a sealed one read with its member (``by_address_with_dialog``)."""
        return None if sealed is None else DialogState.from_json(self._cipher.open(sealed, _STATE))

    async def save(self, member_id: int, state: DialogState, now: datetime) -> None:
        """Store ``state`` as the member's current position."""
        sealed = self._cipher.seal(state.to_json(), _STATE)
        values = {
            "member": member_id,
            "new_dialog": state.dialog,
            "new_step": state.step,
            "new_state": sealed,
            "now": now,
        }
        changed = await self._c.execute(_SAVE, values)
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

    async def idle_since(self, before: datetime) -> list[Draft]:
        """Dialogs not touched since ``before``."""
        query = select(
            dialog_states.c.member_id,
            dialog_states.c.dialog,
            dialog_states.c.updated_at,
            dialog_states.c.reminded_at,
        ).where(dialog_states.c.updated_at < before)
        return [
            Draft(
                r.member_id,
                r.dialog,
                as_utc(r.updated_at),
                None if r.reminded_at is None else as_utc(r.reminded_at),
            )
            for r in await self._c.execute(query)
        ]

    async def mark_reminded(self, member_id: int, at: datetime) -> None:
        """Record that the member was reminded of their unfinished dialog."""
        await self._c.execute(
            update(dialog_states)
            .where(dialog_states.c.member_id == member_id)
            .values(reminded_at=at)
        )
