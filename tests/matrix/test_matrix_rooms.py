"""Encrypted DMs only: an unencrypted room gets one pointer and nothing is processed; the
bot leaves a group room."""

from __future__ import annotations

import asyncio

from tests.matrix.matrix_world import MatrixWorld

CANARY = "CANARY-ROOM-5e2a"


async def test_an_unencrypted_room_gets_one_pointer_and_nothing_else(world: MatrixWorld) -> None:
    user = await world.user("plain")
    await user.open_dm(world.bot.user_id, encrypted=False)
    await user.say(f"/start {await world.invite()}")
    pointer = await user.wait_text("not end-to-end encrypted")
    await user.say("/help")
    await user.say("/status")
    # A later message in an encrypted DM proves the bot got past those two.
    await user.open_dm(world.bot.user_id)
    await user.say("/help")
    await world.wait(lambda: len(world.replies_to(user)) > 0)

    assert user.texts().count(pointer) == 1
    assert all("not end-to-end encrypted" not in r.text for r in world.replies_to(user))


async def test_the_bot_leaves_a_group_room(world: MatrixWorld) -> None:
    host = await world.user("host")
    guest = await world.user("guest")
    room = await host.open_dm(world.bot.user_id, invite=[guest.client.user_id])
    await host.say(f"{CANARY} in a group")

    async def left() -> None:
        while world.bot.user_id in host.client.rooms[room].users:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    await asyncio.wait_for(left(), 30.0)
    assert world.replies_to(host) == []
