"""The test homeserver itself: it starts, makes users and counts text in its raw files."""

from __future__ import annotations

import aiohttp

from tests.matrix.homeserver import Homeserver


async def test_a_registered_user_can_call_the_client_api(homeserver: Homeserver) -> None:
    made = await homeserver.register(homeserver.unique("probe"), "probe-pw")
    headers = {"Authorization": f"Bearer {made.access_token}"}
    url = f"{homeserver.url}/_matrix/client/v3/account/whoami"
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        assert answer.status == 200
        assert (await answer.json())["user_id"] == made.user_id == f"@{made.localpart}:localhost"


async def test_the_raw_file_count_sees_a_plain_message(homeserver: Homeserver) -> None:
    """The positive control of every canary check: unencrypted text IS found in the raw files
    (in the write-ahead log while Synapse runs), so a count of 0 elsewhere means something."""
    made = await homeserver.register(homeserver.unique("plain"), "plain-pw")
    headers = {"Authorization": f"Bearer {made.access_token}"}
    control = f"PLAINCONTROL-{made.localpart}"
    async with aiohttp.ClientSession() as session:
        create = f"{homeserver.url}/_matrix/client/v3/createRoom"
        async with session.post(create, json={}, headers=headers) as answer:
            room = (await answer.json())["room_id"]
        send = f"{homeserver.url}/_matrix/client/v3/rooms/{room}/send/m.room.message/t1"
        body = {"msgtype": "m.text", "body": control}
        async with session.put(send, json=body, headers=headers) as answer:
            assert answer.status == 200
    assert homeserver.occurrences(control) >= 1
