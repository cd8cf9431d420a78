"""The receiving half of ``NioUser`` (tests/matrix/nio_user.py): login, the sync loop, what
was seen (decrypted) and waiting for it. nio ships no types; this gives the tests typed ones."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self, TypeVar

from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    Event,
    InviteMemberEvent,
    MegolmEvent,
    RedactionEvent,
    SyncResponse,
)

from tests.matrix import nio_content as c
from tests.matrix.nio_content import Received

T = TypeVar("T")
REQUEST_SECONDS = 30.0
SYNC_MS = 10_000
MEGOLM = {"algorithm": "m.megolm.v1.aes-sha2"}
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": MEGOLM}


def _ok(answer: Any, what: str) -> Any:
    if isinstance(answer, ErrorResponse):
        raise AssertionError(f"{what} failed: {answer.status_code} {answer.message}")
    return answer


class SyncedUser:
    """A logged-in Matrix user with a background sync loop; every call has a timeout."""

    def __init__(self, client: Any, auto_join: bool) -> None:
        self._client = client
        self._auto_join = auto_join
        self._seen: dict[str, list[Received]] = {}
        self.events: list[tuple[str, Any]] = []
        """(room id, nio event) for every timeline event, decrypted where it could be, in the
        order seen (a late-decrypted one again, after its ``MegolmEvent``)."""
        self._pending: list[tuple[str, Any]] = []  # (room id, MegolmEvent) not decrypted yet
        self._tick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def offline(cls, url: str, user_id: str, directory: Path, *, auto_join: bool = True) -> Self:
        """A user with its nio client and crypto store in ``directory``, not logged in yet."""
        directory.mkdir(parents=True, exist_ok=True)
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
        client = AsyncClient(url, user_id, store_path=str(directory), config=config)
        return cls(client, auto_join)

    @classmethod
    async def login(
        cls, url: str, user_id: str, password: str, directory: Path, *, auto_join: bool = True
    ) -> Self:
        """Log an existing user in (a new device) and start its sync loop."""
        user = cls.offline(url, user_id, directory, auto_join=auto_join)
        await user.sign_in(password)
        return user

    @classmethod
    async def restore(
        cls, url: str, user_id: str, device_id: str, token: str, directory: Path
    ) -> Self:
        """Take up an earlier login (same device, same crypto store) and sync again."""
        user = cls.offline(url, user_id, directory)
        user._client.restore_login(user_id, device_id, token)
        await user._start()
        return user

    async def sign_in(self, password: str, device_name: str = "nio test user") -> None:
        """Log in (a new device named ``device_name``) and start the sync loop."""
        async with asyncio.timeout(REQUEST_SECONDS):
            _ok(await self._client.login(password, device_name=device_name), "login")
        await self._start()

    async def _start(self) -> None:
        client = self._client
        async with asyncio.timeout(REQUEST_SECONDS):
            if client.should_upload_keys:
                _ok(await client.keys_upload(), "keys upload")
        client.add_event_callback(self._on_event, (MegolmEvent, RedactionEvent))
        client.add_event_callback(self._on_any, (Event,))
        client.add_event_callback(self._on_invite, (InviteMemberEvent,))
        client.add_response_callback(self._on_sync, (SyncResponse,))
        self._task = asyncio.create_task(client.sync_forever(timeout=SYNC_MS, full_state=True))
        await self.wait_for(lambda: client.next_batch is not None, what="the first sync")

    async def close(self) -> None:
        """Stop the sync loop and close the HTTP session."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._client.close()

    @property
    def client(self) -> Any:
        """The nio ``AsyncClient``, for what a test reads itself (rooms, device_store, olm)."""
        return self._client

    @property
    def user_id(self) -> str:
        """The Matrix user id, ``@name:localhost``."""
        return str(self._client.user_id)

    @property
    def device_id(self) -> str:
        """This login's device id."""
        return str(self._client.device_id)

    @property
    def access_token(self) -> str:
        """This login's access token (for ``restore``)."""
        return str(self._client.access_token)

    @property
    def ed25519(self) -> str:
        """This device's ed25519 fingerprint key (what Element shows as the session key)."""
        return str(self._client.olm.account.identity_keys["ed25519"])

    # Receiving.
    async def _on_any(self, room: Any, event: Any) -> None:
        self.events.append((room.room_id, event))
        if isinstance(event, MegolmEvent | RedactionEvent):
            return
        source = event.source
        kind = source.get("type", "")
        if kind not in c.MESSAGE_TYPES or not getattr(event, "event_id", None):
            return
        content = source.get("content", {})
        redacted = "redacted_because" in source.get("unsigned", {})
        self._add(room.room_id, Received(
            event.event_id, event.sender, kind, str(content.get("body", "")), content,
            bool(getattr(event, "decrypted", False)), redacted,
        ))  # fmt: skip

    async def _on_event(self, room: Any, event: Any) -> None:
        if isinstance(event, RedactionEvent):
            seen = self._seen.get(room.room_id, [])
            for index, item in enumerate(seen):
                if item.event_id == event.redacts:
                    seen[index] = Received(item.event_id, item.sender, item.type, "", {},
                                           item.encrypted, redacted=True)  # fmt: skip
            return
        self._pending.append((room.room_id, event))  # a MegolmEvent nio could not decrypt
        self._add(room.room_id, Received(
            event.event_id, event.sender, "m.room.encrypted", "", {}, True, undecryptable=True
        ))  # fmt: skip

    def _add(self, room_id: str, item: Received) -> None:
        seen = self._seen.setdefault(room_id, [])
        for index, old in enumerate(seen):
            if old.event_id == item.event_id:
                seen[index] = item
                return
        seen.append(item)

    async def _on_invite(self, room: Any, event: Any) -> None:
        if self._auto_join and event.state_key == self.user_id and event.membership == "invite":
            await self._client.join(room.room_id)

    async def _on_sync(self, _response: Any) -> None:
        for room_id, event in list(self._pending):  # a room key may have come since
            try:
                decrypted = self._client.decrypt_event(event)
            except Exception:
                continue
            self._pending.remove((room_id, event))
            await self._on_any(self._client.rooms[room_id], decrypted)
        old, self._tick = self._tick, asyncio.Event()
        old.set()

    def messages(self, room_id: str, sender: str | None = None) -> list[Received]:
        """The messages and reactions seen in ``room_id`` so far, in timeline order."""
        return [m for m in self._seen.get(room_id, []) if sender is None or m.sender == sender]

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 10,  # noqa: ASYNC109 - seconds of waiting on the homeserver
        what: str = "a condition",
    ) -> T:
        """The first truthy ``predicate()``, checked after every sync; fails after ``timeout``."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    tick = self._tick
                    if result := predicate():
                        return result
                    await tick.wait()
        except TimeoutError:
            bodies = [m.body for seen in self._seen.values() for m in seen][-10:]
            message = f"{self.user_id}: no {what} in {timeout}s; last bodies seen: {bodies}"
            raise AssertionError(message) from None

    async def wait_text(
        self, room_id: str, contains: str, sender: str | None = None, after: str | None = None
    ) -> Received:
        """The first message in ``room_id`` (after event ``after``) whose body has ``contains``."""

        def found() -> Received | None:
            seen = self.messages(room_id, sender)
            ids = [m.event_id for m in seen]
            start = ids.index(after) + 1 if after in ids else 0
            return next((m for m in seen[start:] if contains in m.body), None)

        return await self.wait_for(found, what=f"message with {contains!r}")

    async def wait_member(
        self,
        room_id: str,
        user_id: str,
        membership: str = "join",
        timeout: float = 10,  # noqa: ASYNC109 - seconds of waiting on the homeserver
    ) -> None:
        """Wait until ``user_id`` has ``membership`` (join, invite, leave) in ``room_id``."""

        def state() -> str:
            room = self._client.rooms.get(room_id)
            if room is None or user_id not in room.users:
                return "leave"
            return "invite" if user_id in room.invited_users else "join"

        what = f"{membership} of {user_id}"
        await self.wait_for(lambda: state() == membership, timeout, what)
