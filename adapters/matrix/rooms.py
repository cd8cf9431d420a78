"""Which room is whose: each member's encrypted direct chat, their numbered menus, and the
kind of a room (a DM with one person, a group, an unencrypted room)."""

from __future__ import annotations

import json
from enum import StrEnum

from mautrix.client import Client
from mautrix.types import Membership, RoomID, UserID

from adapters.matrix.menus import RoomMenus
from adapters.matrix.store import Stores

NOTES_KEPT = 50
"""The adapter's own notes remembered per room, the newest."""


class RoomKind(StrEnum):
    """What the bot does in a room."""

    DIRECT = "direct"
    """Encrypted, the bot and one person: the only kind where the bot talks."""
    GROUP = "group"
    """More than one person besides the bot: the bot leaves."""
    UNENCRYPTED = "unencrypted"
    """Not end-to-end encrypted: the bot only points to an encrypted DM."""


async def room_kind(client: Client, room_id: RoomID) -> RoomKind:
    """The kind of ``room_id`` as the state store knows it now."""
    state = client.state_store
    assert state is not None
    members = await state.get_members(room_id, (Membership.JOIN, Membership.INVITE))
    others = {member for member in members if member != client.mxid}
    if len(others) > 1:
        return RoomKind.GROUP
    if not await state.is_encrypted(room_id):
        return RoomKind.UNENCRYPTED
    return RoomKind.DIRECT


class Rooms:
    """The members' rooms and menus, kept in the adapter's table (menus cached)."""

    def __init__(self, stores: Stores) -> None:
        self._stores = stores
        self._menus: dict[str, RoomMenus] = {}

    async def room_of(self, user_id: str) -> RoomID | None:
        """The encrypted DM where ``user_id`` last wrote to the bot."""
        room = await self._stores.get(f"room:{user_id}")
        return None if room is None else RoomID(room)

    async def remember(self, user_id: UserID | str, room_id: RoomID) -> None:
        """``room_id`` is now ``user_id``'s room with the bot."""
        if await self._stores.get(f"room:{user_id}") != room_id:
            await self._stores.put(f"room:{user_id}", room_id)

    async def menus(self, user_id: str) -> RoomMenus:
        """What the numbers shown to ``user_id`` mean."""
        menus = self._menus.get(user_id)
        if menus is None:
            saved = await self._stores.get(f"menus:{user_id}")
            menus = RoomMenus.from_json(saved) if saved else RoomMenus()
            self._menus[user_id] = menus
        return menus

    async def save_menus(self, user_id: str) -> None:
        """Keep ``user_id``'s menus across restarts."""
        menus = self._menus.get(user_id)
        if menus is not None:
            await self._stores.put(f"menus:{user_id}", menus.to_json())

    async def pointed(self, room_id: RoomID) -> bool:
        """True if the unencrypted-room pointer went to ``room_id`` already (marks it)."""
        if await self._stores.get(f"pointer:{room_id}"):
            return True
        await self._stores.put(f"pointer:{room_id}", "1")
        return False

    async def note(self, user_id: str, event_id: str) -> None:
        """Keep the id of a note of the adapter's own (not the core's, so not on its record)
        in ``user_id``'s room: the next removal there takes it too."""
        kept = await self._stores.get(f"notes:{user_id}")
        notes = [*json.loads(kept or "[]"), event_id][-NOTES_KEPT:]
        await self._stores.put(f"notes:{user_id}", json.dumps(notes))

    async def take_notes(self, user_id: str) -> list[str]:
        """The ids of the adapter's own notes in ``user_id``'s room, forgotten now."""
        kept = await self._stores.get(f"notes:{user_id}")
        if kept is None:
            return []
        await self._stores.delete(f"notes:{user_id}")
        return [str(event_id) for event_id in json.loads(kept)]
