"""The whole loop through encrypted rooms, both people on Matrix: share → alert → acknowledge →
second factor → details → question → answer (by its choice, and by a reply to the question) →
status with a note → /status → the trend digest; the canary in neither Synapse nor the log."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest
from nio import MegolmEvent, RoomMessageText

from bot.domain.model import Role
from bot.scheduling.scheduler import Scheduler
from bot.share_script import share_path
from tests.matrix.homeserver import Homeserver
from tests.matrix.matrix_world import MatrixWorld
from tests.matrix.spine_client import SpineClient

CANARY = "CANARY-LOOP-5b2d"
SCRIPT = share_path(facts=f"{CANARY}: a pupil praised an attack abroad in class.").lines()
ANSWER = f"No, twice before this month. {CANARY}"
NOTE = "We discuss it in the case meeting on Thursday."
DIGEST_SLOT = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
"""The example configuration's Monday slot after the share (the clock starts 2026-11-30)."""


async def share(world: MatrixWorld, reporter: SpineClient) -> str:
    """The reporter shares ``SCRIPT`` (one choice as a keycap reaction); its reference."""
    for index, line in enumerate(SCRIPT):
        last = index == len(SCRIPT) - 1
        await world.step(reporter, line, react=index == 1, until="Reference" if last else None)
    confirmation = await reporter.wait_text("Reference")
    found = re.search(r"Reference: (\S+)", confirmation)
    assert found is not None
    return found.group(1)


async def said(user: SpineClient, part: str, action: object) -> str:
    """Await ``action`` (a send), then the next text to ``user`` containing ``part``."""
    before = len(user.texts())
    await action  # type: ignore[misc]
    return await user.wait_text(part, before)


def bot_log(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured log line but the test-side nio clients' own."""
    records = [r for r in caplog.records if not r.name.startswith("nio")]
    return "\n".join(r.getMessage() + (r.exc_text or "") for r in records)


async def test_a_coordinator_on_matrix_handles_a_concern_from_a_reporter_on_matrix(
    world: MatrixWorld, homeserver: Homeserver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    coordinator = await world.user("coord")
    await world.enrol(coordinator, Role.COORDINATOR)
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    reference = await share(world, reporter)

    alert = await coordinator.wait_text("New concern shared")
    assert reference in alert
    assert CANARY not in alert
    labels = {c.label for c in world.last_menu(coordinator).reply.choices}
    assert {"Acknowledge", "View details", "Ask reporter", "Update status"} <= labels

    update = await said(reporter, "Update on your concern", world.play(coordinator, "#Acknowledge"))
    assert update.startswith(f"Update on your concern {reference}: Acknowledged")

    await world.two_factor(coordinator)  # Matrix has no login of its own: a second factor
    details = await said(coordinator, CANARY, world.play(coordinator, "#View details"))
    assert reference in details
    # It came encrypted: a megolm event the coordinator's client decrypted.
    event = next(e for e in coordinator.received if getattr(e, "body", "") == details)
    assert isinstance(event, RoomMessageText) and event.decrypted
    assert not [e for e in coordinator.received if isinstance(e, MegolmEvent)]
    assert world.service is not None and world.service.app is not None
    async with world.service.app.uow() as uow:
        rows = await uow.access_log.entries(concern_reference=reference)
    assert [(r.action, r.outcome) for r in rows if r.action == "view_details"] == [
        ("view_details", "ok")
    ]

    # A question, answered by its numbered choice and then typed.
    await world.step(coordinator, "#Ask reporter", until="")
    question = await said(
        reporter, "A coordinator has a question", coordinator.say("Was this the first time?")
    )
    assert question.startswith(f"A coordinator has a question about your concern {reference}")
    assert question.endswith("Was this the first time?\n\n1. Answer")
    await world.step(reporter, "#Answer", until="")
    relayed = await said(coordinator, "The reporter answered", reporter.say(ANSWER))
    assert relayed.startswith(f"The reporter answered your question about {reference}")
    assert relayed.endswith(ANSWER)

    # A second question, answered by replying to its message.
    await world.step(coordinator, "#Ask reporter", until="")
    await said(reporter, "Which class is it?", coordinator.say("Which class is it?"))
    asked = next(s for s in reversed(world.sent) if s.reply.text.endswith("Which class is it?"))
    assert asked.event_id is not None
    relayed = await said(
        coordinator, "The reporter answered", reporter.say("Class 3B.", reply_to=asked.event_id)
    )
    assert relayed.endswith("Class 3B.")
    assert any(t.startswith("I passed that on as your answer") for t in reporter.texts())

    # A status with a note; one choice by a keycap reaction.
    await world.step(coordinator, "#Update status")
    await world.step(coordinator, "#in_analysis", react=True)
    await world.step(coordinator, NOTE)
    await world.step(coordinator, "#skip")  # no reason for colleagues
    update = await said(reporter, "In analysis", world.play(coordinator, "#yes"))
    assert update.startswith(f"Update on your concern {reference}: In analysis")
    assert update.endswith(f"Note from the coordinator: {NOTE}")
    assert NOTE in await said(reporter, NOTE, reporter.say("/status"))

    # The weekly digest, run by the scheduler at its slot, arrives in the Matrix DMs.
    world.clock.set(DIGEST_SLOT)
    app = world.service.app
    before = len(reporter.texts()), len(coordinator.texts())
    await Scheduler(app.uow, app.settings, world.clock).run("digest", DIGEST_SLOT)
    await world.run_due()
    digest = await reporter.wait_text("Trend update for", before[0])
    assert reference in digest  # the reporter's own open concern, in its personal part
    await coordinator.wait_text("Trend update for", before[1])

    assert homeserver.occurrences(CANARY) == 0
    assert CANARY not in bot_log(caplog)
