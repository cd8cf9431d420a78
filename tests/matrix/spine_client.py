"""A reporter's or coordinator's Matrix client for the channel tests: nio with encryption."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    MegolmEvent,
    RedactionEvent,
    RoomCreateResponse,
    RoomEncryptedMedia,
    RoomMessageFile,
    RoomMessageNotice,
    RoomMessageText,
    RoomPreset,
    RoomSendResponse,
)

WITHIN = 30.0
ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


class SpineClient:
    """One nio user in an encrypted DM with the bot; collects what the bot says."""

    def __init__(self, url: str, user_id: str, password: str, store: Path) -> None:
        store.mkdir(parents=True, exist_ok=True)
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
        self.client = AsyncClient(url, user_id, store_path=str(store), config=config)
        self._password = password
        self.room = ""
        self.received: list[Any] = []
        """Events from others, decrypted (text, notice, file) or not (MegolmEvent)."""
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in, upload keys, first sync, then sync in the background."""
        await self.client.login(self._password, device_name="spine-test")
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        await self.client.sync(timeout=1000, full_state=True)
        self._task = asyncio.create_task(self._loop())

    async def close(self) -> None:
        """Stop syncing and close."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    async def _loop(self) -> None:
        while True:
            response = await self.client.sync(timeout=500)
            join = getattr(getattr(response, "rooms", None), "join", {})
            got = [
                event
                for room_id, room in join.items()
                for event in room.timeline.events
                if event.sender != self.client.user_id
                and isinstance(
                    event,
                    RoomMessageText
                    | RoomMessageNotice
                    | RoomMessageFile
                    | RoomEncryptedMedia
                    | RedactionEvent
                    | MegolmEvent,
                )
            ]
            if self.client.should_query_keys:
                await self.client.keys_query()
            if got:
                async with self._changed:
                    self.received.extend(got)
                    self._changed.notify_all()

    async def open_dm(
        self, bot: str, encrypted: bool = True, invite: list[str] | None = None
    ) -> str:
        """Create a DM (encrypted unless told) inviting the bot; wait until it joined."""
        response = await self.client.room_create(
            is_direct=True,
            preset=RoomPreset.trusted_private_chat,
            invite=[bot, *(invite or [])],
            initial_state=[ENCRYPTION] if encrypted else [],
        )
        assert isinstance(response, RoomCreateResponse), response
        self.room = response.room_id

        async def joined() -> None:
            while True:
                room = self.client.rooms.get(self.room)
                if room is not None and bot in room.users and bot not in room.invited_users:
                    return
                await asyncio.sleep(0.05)

        await asyncio.wait_for(joined(), WITHIN)
        return self.room

    async def say(self, text: str, reply_to: str | None = None) -> str:
        """Send a text (encrypted in an encrypted room); its event id."""
        content: dict[str, Any] = {"msgtype": "m.text", "body": text}
        if reply_to:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        return await self._send("m.room.message", content)

    async def react(self, event_id: str, key: str) -> str:
        """React to ``event_id`` with ``key``."""
        relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        return await self._send("m.reaction", {"m.relates_to": relates})

    async def _send(self, kind: str, content: dict[str, Any]) -> str:
        response = await self.client.room_send(
            self.room, kind, content, ignore_unverified_devices=True
        )
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    def texts(self) -> list[str]:
        """The bodies of every decrypted text and notice."""
        return [e.body for e in self.received if isinstance(e, RoomMessageText | RoomMessageNotice)]

    async def wait_for(
        self, predicate: Callable[[list[Any]], bool], within: float = WITHIN
    ) -> None:
        """Wait until ``predicate(received)`` holds."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.received))

        try:
            await asyncio.wait_for(until(), within)
        except TimeoutError:
            kinds = [type(e).__name__ for e in self.received]
            raise AssertionError(f"waited in vain; received {kinds} {self.texts()}") from None

    async def wait_text(self, part: str, after: int = 0) -> str:
        """Wait for a text (from index ``after`` on) containing ``part``; return it."""
        await self.wait_for(lambda _: any(part in t for t in self.texts()[after:]))
        return next(t for t in self.texts()[after:] if part in t)
