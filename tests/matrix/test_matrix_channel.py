"""The Matrix channel end to end: the real ``Service`` at a real Synapse, nio users in
encrypted DMs, and the canary counted in Synapse's raw files and the bot's log."""

from __future__ import annotations

import logging

import pytest

from bot.domain.model import Role
from bot.testing import SHARE_SCRIPT
from tests.matrix.homeserver import Homeserver
from tests.matrix.matrix_world import MatrixWorld, React

CANARY = "CANARY-FACT-7f3a"


async def test_a_reporter_shares_and_the_coordinator_gets_the_alert(
    world: MatrixWorld, homeserver: Homeserver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    coordinator = await world.user("coord")
    await world.enrol(coordinator, Role.COORDINATOR)
    reporter = await world.user("reporter")
    await world.enrol(reporter)

    for index, line in enumerate(SHARE_SCRIPT):
        # One choice by a keycap reaction sent in the clear (as nio's own does; Element's are
        # encrypted: test_matrix_loop), the others typed as numbers.
        last = index == len(SHARE_SCRIPT) - 1
        react: React = "clear" if index == 1 else False
        await world.step(reporter, line, react=react, until="Reference" if last else None)

    await reporter.wait_text("Reference")
    alert = await coordinator.wait_text("New concern shared")
    assert CANARY not in alert
    assert homeserver.occurrences(CANARY) == 0
    assert CANARY not in caplog.text
    # Nobody's Matrix id in the bot's log lines (mautrix names them in its warnings); nio's
    # are the test users' own.
    bots = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("nio"))
    for user in (reporter, coordinator):
        assert user.client.user_id.split(":")[0] not in bots
