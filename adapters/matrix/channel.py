"""The Matrix channel's runtime: its own sync loop (a batch's token is kept only after every
event of it was handled), encrypted DMs only, and delivery within the homeserver's limits."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from mautrix.errors import (
    DecryptionError,
    MatrixRequestError,
    SessionNotFound,
)
from mautrix.types import EncryptedEvent, Event, EventType, RoomID, TrustState, UserID

from adapters.lanes import ChatLanes
from adapters.matrix import texts
from adapters.matrix.files import send_file
from adapters.matrix.logs import hide_people
from adapters.matrix.outcomes import delivery_outcomes
from adapters.matrix.rooms import RoomKind, Rooms, room_kind
from adapters.matrix.session import Session, checked_devices, decrypted, shows_concern
from adapters.matrix.settings import MatrixSettings
from adapters.matrix.sync import SyncLoop
from adapters.matrix.translate import (
    CHANNEL,
    parse,
    parse_reaction,
    reaction_event,
    render,
    to_event,
)
from adapters.ratelimit import SendLimiter
from bot.channels.events import Address, CommandReceived, InboundEvent, Sender
from bot.channels.protocol import Capability, Route, Sink
from bot.channels.replies import Outgoing, Removal, Reply
from bot.delivery.outcomes import (
    Unreachable,
    part_sent,
)
from bot.i18n import Translate, translator

log = logging.getLogger(__name__)

KEY_WAIT = 5.0
"""Seconds to wait for a room key that has not arrived with its message."""


class MatrixAdapter:
    """Feeds encrypted direct-chat events to the core and delivers replies encrypted."""

    name = CHANNEL
    capabilities = frozenset({Capability.END_TO_END, Capability.REMOVES_ANY_AGE})

    def __init__(
        self,
        settings: MatrixSettings,
        environ: Mapping[str, str],
        language: str = "nl",
        limiter: SendLimiter | None = None,
    ) -> None:
        self._settings = settings
        self.session = Session(settings, environ)
        self._rooms = Rooms(self.session.stores)
        self._t: Translate = translator(language)
        self._limiter = limiter or SendLimiter(
            settings.overall_per_second, settings.per_room_per_second, settings.per_room_burst
        )
        self._lanes = ChatLanes(settings.concurrent_updates)
        self._sink: Sink | None = None
        self._sync = SyncLoop(
            self.session.client,
            self.session.stores.crypto,
            self._lanes,
            self._room_event,
            settings.sync_timeout_seconds,
        )

    def routes(self) -> Sequence[Route]:
        """No HTTP endpoints: the bot syncs."""
        return ()

    def health_warnings(self) -> list[str]:
        """Nothing that the start did not already refuse."""
        return []

    async def start(self, sink: Sink) -> None:
        """Open the session (log in or reuse the device, cross-sign) and start syncing."""
        self._sink = sink
        hide_people()
        await self.session.open()
        machine = self.session.machine
        assert machine is not None
        if self._settings.require_verified_devices:
            machine.share_keys_min_trust = TrustState.CROSS_SIGNED_TOFU
        self._sync.start()

    async def stop(self) -> None:
        """Stop syncing (a batch in hand is finished and its token kept), close the store."""
        await self._sync.stop()
        await self._lanes.drain()
        await self.session.close()

    # --- receiving ------------------------------------------------------------------------

    async def _room_event(self, raw: dict[str, Any]) -> None:
        client = self.session.client
        room_id = RoomID(raw["room_id"])
        kind = await room_kind(client, room_id)
        if kind is RoomKind.GROUP:
            log.info("left a group room")
            with contextlib.suppress(MatrixRequestError):
                await client.leave_room(room_id)
            return
        if kind is RoomKind.UNENCRYPTED:
            if raw.get("type") == EventType.ROOM_MESSAGE.t and not await self._rooms.pointed(
                room_id
            ):
                content = {"msgtype": "m.notice", "body": self._t(texts.UNENCRYPTED)}
                await client.send_message_event(
                    room_id,
                    EventType.ROOM_MESSAGE,
                    content,  # type: ignore[arg-type]
                    disable_encryption=True,
                )
            return
        if raw.get("type") == EventType.REACTION.t:
            # Some clients (nio) send reactions in the clear: a key, no content of the user's.
            event = Event.deserialize(raw)
        elif raw.get("type") == EventType.ROOM_ENCRYPTED.t:
            event = await self._decrypt(Event.deserialize(raw))
            if event is None:
                return
        else:
            return  # a plaintext message in an encrypted room: not taken
        sender = Sender(Address(CHANNEL, str(event.sender)))
        user = str(event.sender)
        menus = await self._rooms.menus(user)
        content = event.content.serialize()
        event_id = str(event.event_id)
        inbound: InboundEvent | None
        if event.type == EventType.REACTION:
            target = parse_reaction(content)
            inbound = reaction_event(sender, *target, event_id, menus) if target else None
        elif event.type == EventType.ROOM_MESSAGE:
            inbound = to_event(sender, parse(content), event_id, menus)
        else:
            return
        if inbound is None or self._sink is None:
            return
        await self._rooms.remember(user, room_id)
        await self._sink.handle(inbound)
        if isinstance(inbound, CommandReceived) and inbound.command == "privacy":
            await self._sink.settle()
            note = self._t(texts.DEVICE_NOTE).format(
                device=self.session.device_id, fingerprint=self.session.fingerprint
            )
            sent = await self._send_content(room_id, {"msgtype": "m.notice", "body": note})
            await self._rooms.note(user, sent)

    async def _decrypt(self, event: Any) -> Any:
        machine = self.session.machine
        assert machine is not None
        assert isinstance(event, EncryptedEvent)
        try:
            return await decrypted(machine, event)
        except SessionNotFound:
            session_id = event.content.session_id
            if await machine.wait_for_session(event.room_id, session_id, timeout=KEY_WAIT):
                # A key that cannot open it (not from its index on) is no better than none.
                with contextlib.suppress(DecryptionError):
                    return await decrypted(machine, event)
        except DecryptionError:
            # Never raised: the batch would come again and fail again, stalling every chat.
            pass
        log.warning("a message came without a room key that opens it")
        body = self._t(texts.UNDECRYPTABLE)
        sent = await self._send_content(event.room_id, {"msgtype": "m.notice", "body": body})
        await self._rooms.note(str(event.sender), sent)
        return None

    # --- sending --------------------------------------------------------------------------

    async def send(self, reply: Outgoing) -> str | None:
        """Deliver a reply (in parts, encrypted) or redact a removal's messages."""
        with delivery_outcomes(self._limiter):
            if isinstance(reply, Removal):
                await self._remove(reply)
                return None
            if not isinstance(reply, Reply):
                return None  # a home view: Matrix keeps none
            return await self._send_reply(reply)

    async def _send_reply(self, reply: Reply) -> str | None:
        user = reply.to.user_id
        room = await self._rooms.room_of(user)
        if room is None:
            raise Unreachable("no room with this member")
        if self._settings.require_verified_devices and shows_concern(reply):  # noqa: SIM102
            if not await self.session.verified(UserID(user), checked_devices(self._settings)):
                text = self._t(texts.UNVERIFIED_DEVICE).format(reference=reply.concern or "")
                reply = Reply(reply.to, text)
        menus = await self._rooms.menus(user)
        numbers = menus.numbers_for(reply)
        parts = render(reply, numbers, self._t)
        ids = list(reply.parts_sent)
        total = len(parts) + (reply.attachment is not None)
        for index, content in enumerate(parts[len(ids) :], start=len(ids)):
            ids.append(await self._send_content(room, content))
            await part_sent(ids[-1], more=index + 1 < total)
        if reply.attachment is not None and len(ids) < total:
            async with self._limiter.sending(room):
                filed = await send_file(self.session.client, room, reply.attachment)
            await part_sent(filed, more=False)
        menus.record(reply, ids[: len(parts)], numbers)
        await self._rooms.save_menus(user)
        return ids[len(parts) - 1] if parts else None

    async def _send_content(self, room: RoomID, content: dict[str, Any]) -> str:
        client = self.session.client
        assert client.state_store is not None
        if not await client.state_store.is_encrypted(room):
            raise Unreachable("the member's room is not encrypted")
        async with self._limiter.sending(room):
            sent = await client.send_message_event(room, EventType.ROOM_MESSAGE, content)  # type: ignore[arg-type]
            return str(sent)

    async def _remove(self, removal: Removal) -> None:
        room = await self._rooms.room_of(removal.to.user_id)
        if room is None:
            return
        notes = await self._rooms.take_notes(removal.to.user_id)
        for event_id in (*removal.message_ids, *notes):
            async with self._limiter.sending(room):
                with contextlib.suppress(MatrixRequestError):
                    await self.session.client.redact(room, event_id)  # type: ignore[arg-type]
