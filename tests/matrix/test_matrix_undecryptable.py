"""A message whose room key does not reach the bot: after its wait for the key the bot says it
could not read it, hands nothing to the core and logs nothing of it; a key that comes late,
within the wait, lets the message be read; a key that cannot open it stalls nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from nio import RoomMessageNotice
from nio.crypto.sessions import OutboundGroupSession

from adapters.matrix import channel
from tests.matrix.homeserver import Homeserver
from tests.matrix.matrix_world import MatrixWorld
from tests.matrix.spine_client import SpineClient

CANARY = "CANARY-UNREADABLE-91ce"
UNDECRYPTABLE = "I could not read your last message: it reached me without its key."
HELP = "What I can do"


def withhold_key(world: MatrixWorld, reporter: SpineClient) -> OutboundGroupSession:
    """The reporter's next message goes in a new room key that the bot's device is not given
    (its device blacklisted in the reporter's client); that key, as it was at its start."""
    client = reporter.client
    bot = client.device_store[world.bot.user_id][world.adapter.session.device_id]
    client.blacklist_device(bot)
    client.olm.create_outbound_group_session(reporter.room)
    session = client.olm.outbound_group_sessions[reporter.room]
    first = str(session.session_key)

    class FromStart(OutboundGroupSession):  # type: ignore[misc]  # nio has no type stubs
        """Shares the key from its first message on, as a client sharing in time would."""

        @property
        def session_key(self) -> str:
            return first

    session.__class__ = FromStart
    return session


async def give_key(world: MatrixWorld, reporter: SpineClient, session: Any) -> None:
    """Now share ``session`` with the bot's device (a late to-device message)."""
    client = reporter.client
    bot = client.device_store[world.bot.user_id][world.adapter.session.device_id]
    client.unblacklist_device(bot)
    client.olm.outbound_group_sessions[reporter.room] = session
    session.users_ignored.discard((bot.user_id, bot.id))
    session.shared = False
    await client.share_group_session(reporter.room, ignore_unverified_devices=True)


def waiting_for_key(world: MatrixWorld, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set once the bot waits for a room key it does not have."""
    machine = world.adapter.session.machine
    assert machine is not None
    waiting = asyncio.Event()
    original = machine.wait_for_session

    async def wait_for_session(*args: Any, **kwargs: Any) -> bool:
        waiting.set()
        return bool(await original(*args, **kwargs))

    monkeypatch.setattr(machine, "wait_for_session", wait_for_session)
    return waiting


async def test_a_message_without_its_key_is_answered_with_a_request_to_send_it_again(
    world: MatrixWorld,
    homeserver: Homeserver,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(channel, "KEY_WAIT", 1.0)  # the real wait is 5 s
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    replies = len(world.replies_to(reporter))

    withhold_key(world, reporter)
    before = len(reporter.texts())
    await reporter.say(f"/new {CANARY}")
    notice = await reporter.wait_text(UNDECRYPTABLE, before)
    assert CANARY not in notice
    seen = [e for e in reporter.received if getattr(e, "body", "") == notice]
    assert isinstance(seen[-1], RoomMessageNotice)
    assert seen[-1].decrypted

    # Readable again: the next message is answered, the unreadable one never was.
    client = reporter.client
    client.unblacklist_device(
        client.device_store[world.bot.user_id][world.adapter.session.device_id]
    )
    client.olm.outbound_group_sessions.pop(reporter.room, None)
    await reporter.say("/help")
    await world.wait(lambda: len(world.replies_to(reporter)) > replies)
    assert world.replies_to(reporter)[replies:] == world.replies_to(reporter)[-1:]
    assert world.service is not None
    assert world.service.app is not None
    async with world.service.app.uow() as uow:
        member = await uow.members.by_address(world.replies_to(reporter)[-1].to)
        assert member is not None
        assert member.id is not None
        assert await uow.dialogs.load(member.id) is None  # no share was started

    assert homeserver.occurrences(CANARY) == 0
    assert CANARY not in caplog.text


async def test_a_key_that_comes_after_its_message_within_the_wait_lets_it_be_read(
    world: MatrixWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(channel, "KEY_WAIT", 5.0)
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    session = withhold_key(world, reporter)
    waiting = waiting_for_key(world, monkeypatch)
    before = len(reporter.texts())
    await reporter.say("/help")
    await asyncio.wait_for(waiting.wait(), 10.0)  # the bot has the message, not its key

    await give_key(world, reporter, session)

    def answered(_: object) -> bool:
        return any(HELP in t or UNDECRYPTABLE in t for t in reporter.texts()[before:])

    await reporter.wait_for(answered, 10.0)
    assert not any(UNDECRYPTABLE in t for t in reporter.texts()[before:])
    assert any(HELP in t for t in reporter.texts()[before:])


async def test_a_key_that_cannot_open_the_message_is_refused_once_and_stalls_nothing(
    world: MatrixWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(channel, "KEY_WAIT", 5.0)
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    session = withhold_key(world, reporter)
    session.__class__ = OutboundGroupSession  # the key shared is the one after the message
    waiting = waiting_for_key(world, monkeypatch)
    before = len(reporter.texts())
    await reporter.say("/help")
    await asyncio.wait_for(waiting.wait(), 10.0)

    await give_key(world, reporter, session)
    await reporter.wait_text(UNDECRYPTABLE, before)
    # The same key opens the next message: it is answered, the batch before did not stall.
    await reporter.say("/help")
    await reporter.wait_for(lambda _: any(HELP in t for t in reporter.texts()[before:]), 10.0)
    assert sum(UNDECRYPTABLE in t for t in reporter.texts()[before:]) == 1
