"""A reporter's or coordinator's Matrix client for the channel tests: a ``NioUser`` (nio with
encryption) in one DM with the bot at a time, whose events the tests read as nio gave them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from nio import (
    MegolmEvent,
    RedactionEvent,
    RoomEncryptedMedia,
    RoomMessageFile,
    RoomMessageNotice,
    RoomMessageText,
)

from tests.matrix import nio_content as c
from tests.matrix.nio_user import NioUser

WITHIN = 30.0
KEPT = (
    RoomMessageText,
    RoomMessageNotice,
    RoomMessageFile,
    RoomEncryptedMedia,
    RedactionEvent,
    MegolmEvent,
)
TEXTS = (RoomMessageText, RoomMessageNotice)


class SpineClient:
    """One nio user in an encrypted DM with the bot; collects what the bot says."""

    def __init__(self, url: str, user_id: str, password: str, store: Path) -> None:
        self.nio = NioUser.offline(url, user_id, store, auto_join=False)
        self.client: Any = self.nio.client
        """The nio ``AsyncClient`` (rooms, device_store, olm)."""
        self.room = ""
        self._password = password

    @property
    def received(self) -> list[Any]:
        """Events from others, decrypted (text, notice, file) or not (MegolmEvent)."""
        me = self.client.user_id
        return [e for _, e in self.nio.events if e.sender != me and isinstance(e, KEPT)]

    async def start(self) -> None:
        """Log in, upload keys, first sync, then sync in the background."""
        await self.nio.sign_in(self._password, device_name="spine-test")

    async def close(self) -> None:
        """Stop syncing and close."""
        await self.nio.close()

    async def open_dm(
        self, bot: str, encrypted: bool = True, invite: list[str] | None = None
    ) -> str:
        """Create a DM (encrypted unless told) inviting the bot; wait until it joined."""
        self.room = await self.nio.create_room([bot, *(invite or [])], encrypted, direct=True)
        await self.nio.wait_member(self.room, bot, timeout=WITHIN)
        return self.room

    async def say(self, text: str, reply_to: str | None = None) -> str:
        """Send a text (encrypted in an encrypted room); its event id."""
        if reply_to:  # the bare relation, without Element's quoted fallback
            content = c.reply_content(self.room, None, reply_to, text)
        else:
            content = c.text_content(text)
        return await self.nio.send(self.room, "m.room.message", content)

    async def react(self, event_id: str, key: str, clear: bool = False) -> str:
        """React to ``event_id`` with ``key``: encrypted as Element sends it, or (``clear``) in
        the clear as nio's own ``room_send`` of a reaction does."""
        return await self.nio.react(self.room, event_id, key, clear=clear)

    def texts(self) -> list[str]:
        """The bodies of every decrypted text and notice."""
        return [e.body for e in self.received if isinstance(e, TEXTS)]

    async def wait_for(
        self, predicate: Callable[[list[Any]], bool], within: float = WITHIN
    ) -> None:
        """Wait until ``predicate(received)`` holds."""
        await self.nio.wait_for(lambda: predicate(self.received), within, "awaited event")

    async def wait_text(self, part: str, after: int = 0) -> str:
        """Wait for a text (from index ``after`` on) containing ``part``; return it."""
        await self.wait_for(lambda _: any(part in t for t in self.texts()[after:]))
        return next(t for t in self.texts()[after:] if part in t)
