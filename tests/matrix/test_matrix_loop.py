"""The whole loop through encrypted rooms, both people on Matrix: share → alert → acknowledge →
second factor → details → question → answer (by its choice, and by a reply to the question) →
status with a note → /status → the trend digest; the canary in neither Synapse nor the log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from nio import MegolmEvent, RoomMessageText
from sqlalchemy import func, select

from bot.domain.model import Role
from bot.scheduling.scheduler import Scheduler
from bot.share_script import share_path
from bot.storage.tables import additions, outbox
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


async def two_factor(world: MatrixWorld, user: SpineClient) -> str:
    """Set up ``user``'s authenticator with /2fa and its first code (pyotp at the fake
    clock); returns the secret taken from the otpauth:// address the bot showed."""
    before = len(user.texts())
    await user.say("/2fa")
    shown = await user.wait_text("otpauth://", before)
    found = re.search(r"secret=([A-Z2-7]+)", shown)
    assert found is not None
    after = len(user.texts())
    await user.say(pyotp.TOTP(found.group(1)).at(world.clock.now()))
    await user.wait_text("Done: your second factor is active.", after)
    return found.group(1)


async def said(user: SpineClient, part: str, action: object) -> str:
    """Await ``action`` (a send), then the next text to ``user`` containing ``part``."""
    before = len(user.texts())
    await action  # type: ignore[misc]
    return await user.wait_text(part, before)


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
    labels = {c.label for c in (await world.last_menu(coordinator)).reply.choices}
    assert {"Acknowledge", "View details", "Ask reporter", "Update status"} <= labels

    update = await said(reporter, "Update on your concern", world.play(coordinator, "#Acknowledge"))
    assert update.startswith(f"Update on your concern {reference}: Acknowledged")

    await two_factor(world, coordinator)  # Matrix has no login of its own: a second factor
    details = await said(coordinator, CANARY, world.play(coordinator, "#View details"))
    assert reference in details
    # It came encrypted: a megolm event the coordinator's client decrypted.
    event = next(e for e in coordinator.received if getattr(e, "body", "") == details)
    assert isinstance(event, RoomMessageText)
    assert event.decrypted
    assert not [e for e in coordinator.received if isinstance(e, MegolmEvent)]
    assert world.service is not None
    assert world.service.app is not None
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
    asked = await world.last_sent(lambda s: s.reply.text.endswith("Which class is it?"))
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
    assert CANARY not in caplog.text


async def rows(world: MatrixWorld, query: Any) -> list[Any]:
    """The rows ``query`` selects from the bot's database."""
    assert world.service is not None
    assert world.service.app is not None
    async with world.service.app.uow() as uow:
        return list((await uow.connection.execute(query)).all())


@contextlib.asynccontextmanager
async def retries_run(world: MatrixWorld) -> AsyncIterator[None]:
    """While inside: whenever the outbox holds a retry for later, the clock moves there."""

    async def run() -> None:
        while True:
            await world.run_due()
            await asyncio.sleep(0.05)  # real time: polling the outbox, not waiting on the clock

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_429s_during_a_share_are_retried_by_the_outbox_and_each_reply_comes_once_in_order(
    world: MatrixWorld, homeserver: Homeserver
) -> None:
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    (last_row,) = await rows(world, select(func.max(outbox.c.id)))
    # Everything sent so far has arrived, so that what arrives from here on is this test's.
    earlier = {s.event_id for s in world.sent}
    await reporter.wait_for(lambda got: earlier <= {getattr(e, "event_id", None) for e in got})
    first, seen = len(world.sent), len(reporter.received)
    await homeserver.limit_messages(world.bot.user_id, 1, 2)
    try:
        async with retries_run(world):
            for line in SCRIPT[:8]:
                await world.step(reporter, line)
    finally:
        await homeserver.limit_messages(world.bot.user_id, 0, 0)

    sent = [s.event_id for s in world.sent[first:]]
    await reporter.wait_for(lambda got: len(got) - seen >= len(sent))
    got = [e for e in reporter.received[seen:] if isinstance(e, RoomMessageText)]
    assert [e.event_id for e in got] == sent  # each once, in order
    assert len({e.body for e in got}) == len(got)
    settled = await rows(
        world, select(outbox.c.state, outbox.c.last_error).where(outbox.c.id > last_row[0])
    )
    assert len(settled) == len(sent)
    assert {state for state, _ in settled} == {"sent"}  # none dead, none left
    waited = [error for _, error in settled if error == "rate_limited"]
    assert waited, f"the homeserver never said 429: {settled}"


async def test_a_batch_that_comes_again_after_a_restart_adds_to_the_concern_once(
    world: MatrixWorld, tmp_path: Path
) -> None:
    coordinator = await world.user("coord")
    await world.enrol(coordinator, Role.COORDINATOR)
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    reference = await share(world, reporter)
    await coordinator.wait_text("New concern shared")
    await said(reporter, "Update on your concern", world.play(coordinator, "#Acknowledge"))
    update = await world.last_sent(lambda s: s.reply.text.startswith("Update on"))
    assert update.event_id is not None
    stale = await world.adapter.session.stores.crypto.get_next_batch()
    added = await said(
        reporter, "Added to", reporter.say("He was there again today.", reply_to=update.event_id)
    )
    assert added.startswith(f"Added to {reference}")
    await coordinator.wait_text(f"New information on {reference}")
    replies = len(world.sent)
    (before,) = await rows(world, select(func.count()).select_from(additions))

    await world.stop()
    # The token of the last batch is lost (as in a crash before it was kept): it comes again.
    with sqlite3.connect(tmp_path / "matrix" / "crypto.db") as db:
        db.execute("UPDATE crypto_account SET sync_token=?", (stale,))
    await world.start()
    store = world.adapter.session.stores.crypto
    await world.wait(lambda: store._sync_token not in (None, stale))
    await reporter.say("/status")  # handled after the batch that came again
    await world.wait(lambda: len(world.sent) > replies)

    again = [s.reply.text for s in world.sent[replies:] if not s.reply.text.startswith("You")]
    assert not [t for t in again if t.startswith(("Added to", "New information"))], again
    assert await rows(world, select(func.count()).select_from(additions)) == [before]
