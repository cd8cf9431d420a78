"""The Matrix channel across a restart: the same device, the dialog goes on, and a batch
that comes again (its token was not kept) is handled once."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import aiohttp

from bot.testing import SHARE_SCRIPT
from tests.matrix.homeserver import Homeserver
from tests.matrix.matrix_world import MatrixWorld


async def devices(homeserver: Homeserver, token: str) -> list[str]:
    """The bot account's devices, as the homeserver lists them."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{homeserver.url}/_matrix/client/v3/devices",
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        body = await response.json()
    return sorted(d["device_id"] for d in body["devices"])


async def test_a_restart_mid_dialog_keeps_the_device_and_the_dialog_and_drops_a_repeat(
    world: MatrixWorld, homeserver: Homeserver, tmp_path: Path
) -> None:
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    for line in SHARE_SCRIPT[:4]:
        await world.step(reporter, line)
    device = world.adapter.session.device_id
    stale = await world.adapter.session.stores.crypto.get_next_batch()
    await world.step(reporter, SHARE_SCRIPT[4])
    replies = len(world.replies_to(reporter))
    credentials = json.loads((tmp_path / "matrix" / "credentials.json").read_text())
    before = await devices(homeserver, credentials["access_token"])
    assert device in before

    await world.stop()
    # The token of the last batch is lost (as in a crash before it was kept): it comes again.
    with sqlite3.connect(tmp_path / "matrix" / "crypto.db") as db:
        db.execute("UPDATE crypto_account SET sync_token=?", (stale,))
    await world.start()

    assert world.adapter.session.device_id == device
    assert await devices(homeserver, credentials["access_token"]) == before
    assert (tmp_path / "matrix" / "credentials.json").stat().st_mode & 0o777 == 0o600
    store = world.adapter.session.stores.crypto
    await world.wait(lambda: store._sync_token not in (None, stale))
    # The repeated batch (the step before the restart) was handled again, and answered never.
    assert len(world.replies_to(reporter)) == replies
    for index, line in enumerate(SHARE_SCRIPT[5:], start=5):
        last = index == len(SHARE_SCRIPT) - 1
        await world.step(reporter, line, until="Reference" if last else None)
    await reporter.wait_text("Reference")
