"""The tests' Matrix user: encrypted both ways, Element's event shapes, files, redactions,
the canary check with its positive control, and a homeserver that fails rather than skips."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.matrix.homeserver import Homeserver, HomeserverFailed
from tests.matrix.nio_user import NioUser


@pytest.fixture
async def pair(homeserver: Homeserver, tmp_path: Path) -> AsyncIterator[tuple[NioUser, NioUser]]:
    """Alice and Bob, logged in and syncing."""
    alice = await NioUser.create(homeserver, "alice", tmp_path / "alice")
    bob = await NioUser.create(homeserver, "bob", tmp_path / "bob")
    yield alice, bob
    await alice.close()
    await bob.close()


async def dm(alice: NioUser, bob: NioUser, encrypted: bool = True) -> str:
    """An encrypted (or plain) direct chat both have joined."""
    room = await (alice.create_encrypted_dm if encrypted else alice.create_plain_dm)(bob.user_id)
    await alice.wait_member(room, bob.user_id)
    await bob.wait_member(room, bob.user_id)
    return room


async def test_an_encrypted_round_trip_both_ways(pair: tuple[NioUser, NioUser]) -> None:
    alice, bob = pair
    assert alice.device_id
    assert len(alice.ed25519) == 43
    room = await dm(alice, bob)
    await alice.wait_member(room, bob.user_id, "join")
    sent = await alice.say(room, "hello bob")
    got = await bob.wait_text(room, "hello bob", sender=alice.user_id)
    assert (got.event_id, got.encrypted, got.type) == (sent, True, "m.room.message")
    await bob.say(room, "hello alice")
    back = await alice.wait_text(room, "hello alice")
    assert back.encrypted
    assert back.sender == bob.user_id
    assert [m.body for m in alice.messages(room, sender=alice.user_id)] == ["hello bob"]


async def test_reply_reaction_and_edit_arrive_in_elements_shapes(
    pair: tuple[NioUser, NioUser],
) -> None:
    alice, bob = pair
    room = await dm(alice, bob)
    question = await alice.say(room, "line one\nline two")
    await bob.wait_text(room, "line two")
    await bob.reply(room, question, "my answer")
    reply = await alice.wait_text(room, "my answer")
    assert reply.relates_to == {"m.in_reply_to": {"event_id": question}}
    assert reply.body == f"> <{alice.user_id}> line one\n> line two\n\nmy answer"
    assert reply.content["formatted_body"].startswith("<mx-reply><blockquote>")
    await bob.react(room, question, "2️⃣")
    reaction = await alice.wait_for(
        lambda: next((m for m in alice.messages(room) if m.type == "m.reaction"), None)
    )
    assert reaction.encrypted, "Element encrypts reactions; so does the test user"
    assert reaction.relates_to == {"rel_type": "m.annotation", "event_id": question, "key": "2️⃣"}
    await bob.edit(room, reply.event_id, "my better answer")
    edit = await alice.wait_text(room, "my better answer")
    assert edit.body == "* my better answer"
    assert edit.content["m.new_content"] == {"msgtype": "m.text", "body": "my better answer"}
    assert edit.relates_to == {"rel_type": "m.replace", "event_id": reply.event_id}


async def test_an_encrypted_file_downloads_back_and_a_redaction_is_seen(
    pair: tuple[NioUser, NioUser], homeserver: Homeserver
) -> None:
    alice, bob = pair
    room = await dm(alice, bob)
    secret = b"FILECANARY-" + alice.user_id.encode() + b" in an attachment"
    await alice.send_file(room, secret, "notes.txt", "text/plain")
    image = await alice.send_image(room)
    got = await bob.wait_text(room, "notes.txt")
    assert "file" in got.content
    assert "url" not in got.content
    assert await bob.download(got.content) == secret
    await bob.wait_text(room, "image.png")
    await alice.redact(room, image)
    await bob.wait_for(lambda: any(m.redacted and m.event_id == image for m in bob.messages(room)))
    assert homeserver.occurrences(secret.decode()) == 0


async def test_a_canary_sent_encrypted_is_nowhere_in_the_homeserver_files(
    pair: tuple[NioUser, NioUser], homeserver: Homeserver
) -> None:
    alice, bob = pair
    canary = f"CANARY-{alice.user_id}-only-encrypted"
    control = f"PLAINCONTROL-{alice.user_id}-unencrypted"
    secret_room, plain_room = await dm(alice, bob), await dm(alice, bob, encrypted=False)
    await alice.say(secret_room, canary)
    await alice.say(plain_room, control)
    assert not (await bob.wait_text(plain_room, control)).encrypted
    assert (await bob.wait_text(secret_room, canary)).encrypted
    assert homeserver.occurrences(control) >= 1, "the positive control: plain text is seen"
    assert homeserver.occurrences(canary) == 0


async def test_a_plain_attachment_downloads_as_it_is(pair: tuple[NioUser, NioUser]) -> None:
    alice, bob = pair
    room = await dm(alice, bob, encrypted=False)
    await alice.send_file(room, b"plain bytes", "plain.bin")
    got = await bob.wait_text(room, "plain.bin")
    assert "url" in got.content
    assert await bob.download(got.content) == b"plain bytes"


def test_a_homeserver_that_cannot_start_fails_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fixture fails (never skips) when scripts/test-synapse cannot start Synapse."""
    monkeypatch.setenv("CONCERNBOT_TEST_SYNAPSE_PY", "/bin/false")
    with pytest.raises(HomeserverFailed, match="test-synapse"):
        Homeserver(tmp_path / "synapse").start()
