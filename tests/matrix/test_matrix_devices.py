"""Device verification: /privacy ends with the bot's device and fingerprint, and with
require_verified_devices a concern's details go only to a user with a verified session."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from adapters.matrix.texts import fingerprint
from bot.channels.events import Address
from bot.channels.parts import View
from bot.channels.replies import Reply
from tests.matrix.homeserver import Homeserver
from tests.matrix.matrix_world import MatrixWorld

CANARY = "CANARY-DETAILS-3c8f"


@pytest.fixture
def matrix_overrides() -> dict[str, Any]:
    """This module's bot requires verified devices for a concern's details."""
    return {"require_verified_devices": True}


async def test_privacy_ends_with_the_bots_device_and_its_fingerprint(world: MatrixWorld) -> None:
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    await reporter.say("/privacy")
    device = world.adapter.session.device_id
    note = await reporter.wait_text(device)
    privacy = next(t for t in reporter.texts() if t.startswith("What happens with what you share"))
    assert "• This chat is end-to-end encrypted: the chat server cannot read it" in privacy
    assert "not end-to-end" not in privacy

    # The fingerprint is the one the reporter's client has for the bot's device.
    keys = reporter.client.device_store[world.bot.user_id][device]
    assert fingerprint(keys.ed25519) in note


async def test_details_go_only_to_a_verified_session(
    world: MatrixWorld, homeserver: Homeserver
) -> None:
    coordinator = await world.user("coord")
    await world.enrol(coordinator)
    to = Address("matrix", coordinator.client.user_id)
    details = Reply(to, f"Details: {CANARY}", view=View("details", "R-1"), concern="R-1")

    await world.adapter.send(details)
    refused = await coordinator.wait_text("I did not send the details of R-1")
    assert CANARY not in refused

    # An operator checked the coordinator's session by hand: now the details go out.
    client = coordinator.client
    line = f"{client.user_id} {client.device_id} {client.olm.account.identity_keys['ed25519']}"
    adapter = world.adapter
    adapter._settings = replace(adapter._settings, verified_devices=[line])
    await adapter.send(details)
    await coordinator.wait_text(CANARY)
    assert homeserver.occurrences(CANARY) == 0
