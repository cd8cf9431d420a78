"""``NioUser``: an end-to-end-encrypting Matrix user for the tests (matrix-nio 0.26).

A person in the channel's tests (a reporter, a coordinator): it registers on the test
homeserver, logs in with its own crypto store in a directory, uploads its keys, syncs in the
background (``store_sync_tokens``) and records every message it sees, decrypted. It sends
what Element sends: encrypted messages, replies with their fallback, reactions (encrypted as
Element does, where nio alone would send them in the clear), edits, images."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any
from uuid import uuid4

from nio import Api, RoomPreset, RoomSendResponse

from tests.matrix import nio_content as c
from tests.matrix.homeserver import Homeserver
from tests.matrix.nio_content import Received
from tests.matrix.nio_sync import ENCRYPTION, REQUEST_SECONDS, SyncedUser, _ok

__all__ = ["NioUser", "Received"]


class NioUser(SyncedUser):
    """A test user that makes rooms and sends as Element does (encrypted where the room is)."""

    @classmethod
    async def create(
        cls, homeserver: Homeserver, prefix: str, directory: Path, *, auto_join: bool = True
    ) -> NioUser:
        """Register a new user (``prefix`` + a number) and log in with a store in ``directory``."""
        password = f"{prefix}-pw-not-secret"
        made = await homeserver.register(homeserver.unique(prefix), password)
        return await cls.login(
            homeserver.url, made.user_id, password, directory, auto_join=auto_join
        )

    async def create_room(self, invite: list[str], encrypted: bool, direct: bool) -> str:
        """A room inviting ``invite`` (a direct chat as Element makes one, or a private room)."""
        async with asyncio.timeout(REQUEST_SECONDS):
            made = _ok(
                await self._client.room_create(
                    is_direct=direct,
                    preset=RoomPreset.trusted_private_chat if direct else RoomPreset.private_chat,
                    invite=invite,
                    initial_state=[ENCRYPTION] if encrypted else [],
                ),
                "room create",
            )
        room_id = str(made.room_id)

        def known() -> bool:
            room = self._client.rooms.get(room_id)
            return room is not None and bool(room.encrypted) == encrypted

        await self.wait_for(known, what=f"room {room_id}")
        return room_id

    async def create_encrypted_dm(self, invitee: str) -> str:
        """A direct chat with ``invitee``, end-to-end encrypted from its first event."""
        return await self.create_room([invitee], encrypted=True, direct=True)

    async def create_plain_dm(self, invitee: str) -> str:
        """A direct chat with ``invitee`` without encryption."""
        return await self.create_room([invitee], encrypted=False, direct=True)

    async def create_group(self, invitees: list[str], encrypted: bool = True) -> str:
        """A private room (not direct) with all ``invitees``."""
        return await self.create_room(invitees, encrypted=encrypted, direct=False)

    async def join(self, room_id: str) -> None:
        """Join a room this user was invited to."""
        async with asyncio.timeout(REQUEST_SECONDS):
            _ok(await self._client.join(room_id), "join")
        await self.wait_member(room_id, self.user_id)

    async def leave(self, room_id: str) -> None:
        """Leave a room."""
        async with asyncio.timeout(REQUEST_SECONDS):
            _ok(await self._client.room_leave(room_id), "leave")

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], *, clear: bool = False
    ) -> str:
        """Send any event (encrypted where the room is; a reaction in the clear when ``clear``,
        as nio itself sends one); its event id."""
        client = self._client
        async with asyncio.timeout(REQUEST_SECONDS):
            room = client.rooms[room_id]
            if room.encrypted:
                if not room.members_synced:
                    _ok(await client.joined_members(room_id), "joined members")
                if client.should_query_keys:
                    _ok(await client.keys_query(), "keys query")
            if room.encrypted and event_type == "m.reaction" and not clear:  # nio would not
                if client.olm.should_share_group_session(room_id):
                    await client.share_group_session(room_id, ignore_unverified_devices=True)
                kind, sealed = client.encrypt(room_id, event_type, content)
                method, path, data = Api.room_send(
                    client.access_token, room_id, kind, sealed, uuid4()
                )
                sent = await client._send(RoomSendResponse, method, path, data, (room_id,))
            else:
                sent = await client.room_send(
                    room_id, event_type, content, ignore_unverified_devices=True
                )
        return str(_ok(sent, f"send {event_type}").event_id)

    async def say(self, room_id: str, text: str) -> str:
        """Send a text message; its event id."""
        return await self.send(room_id, "m.room.message", c.text_content(text))

    def _find(self, room_id: str, event_id: str) -> Received | None:
        return next((m for m in self.messages(room_id) if m.event_id == event_id), None)

    async def reply(self, room_id: str, event_id: str, text: str) -> str:
        """A reply to ``event_id`` (``m.in_reply_to`` with Element's quoted fallback)."""
        content = c.reply_content(room_id, self._find(room_id, event_id), event_id, text)
        return await self.send(room_id, "m.room.message", content)

    async def react(self, room_id: str, event_id: str, key: str, *, clear: bool = False) -> str:
        """React to ``event_id`` with ``key`` (such as the keycap "2️⃣"), encrypted unless
        ``clear``."""
        content = c.reaction_content(event_id, key)
        return await self.send(room_id, "m.reaction", content, clear=clear)

    async def edit(self, room_id: str, event_id: str, new_text: str) -> str:
        """Edit the message ``event_id`` (``m.replace``)."""
        return await self.send(room_id, "m.room.message", c.edit_content(event_id, new_text))

    async def redact(self, room_id: str, event_id: str) -> str:
        """Redact (delete) an event; the redaction's event id."""
        async with asyncio.timeout(REQUEST_SECONDS):
            done = _ok(await self._client.room_redact(room_id, event_id), "redact")
        return str(done.event_id)

    async def send_file(
        self,
        room_id: str,
        data: bytes,
        name: str,
        mimetype: str = "application/octet-stream",
        msgtype: str = "m.file",
    ) -> str:
        """Upload ``data`` (encrypted first where the room is) and send it as ``msgtype``."""
        encrypted = bool(self._client.rooms[room_id].encrypted)
        payload, keys = c.encrypt_file(data) if encrypted else (data, None)
        async with asyncio.timeout(REQUEST_SECONDS):
            uploaded, _ = await self._client.upload(
                io.BytesIO(payload),
                content_type="application/octet-stream" if encrypted else mimetype,
                filename=name,
                filesize=len(payload),
            )
        url = str(_ok(uploaded, "upload").content_uri)
        content = c.file_content(msgtype, name, mimetype, len(data), url, keys)
        return await self.send(room_id, "m.room.message", content)

    async def send_image(self, room_id: str, data: bytes = c.PNG, name: str = "image.png") -> str:
        """Send an image (a 1x1 PNG unless given) as Element does."""
        return await self.send_file(room_id, data, name, "image/png", "m.image")

    async def download(self, content: dict[str, Any]) -> bytes:
        """The bytes of an ``m.file``/``m.image`` message: fetched, and decrypted when it has
        ``file`` (its sha256 checked), or taken as they are from a plain ``url``."""
        url, keys = c.media_source(content)
        async with asyncio.timeout(REQUEST_SECONDS):
            got = _ok(await self._client.download(mxc=url), "download")
        body = bytes(got.body)
        return body if keys is None else c.decrypt_file(body, keys)
