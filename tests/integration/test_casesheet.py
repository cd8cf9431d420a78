"""/casesheet: a coordinator of the concern's network prepares the case sheet for the case
meeting and gets it as a PDF and as text in their own chat alone; every export (and every
refusal) is in the access log; the sheet goes from the chat as the account's copies do, and
when the concern is erased."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.model import Role
from bot.share_script import FACTS, INTERPRETATION
from bot.storage.tables import agreements
from bot.usecases.casesheet import EXPORT, parse_day
from tests.integration.test_details_copies import deleted_in, run_job
from tests.integration.test_telegram import COORDINATOR, REPORTER, World, running_world

AGREED = "CANARY-AGREED-91c2: youth worker and community officer talk with him by Friday."


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    """The bot running against a fake Bot API (polling), as in test_telegram."""
    async with running_world("polling", tmp_path, monkeypatch) as running:
        yield running


async def shared(world: World) -> str:
    """A coordinator and a reporter enrolled, and one concern shared."""
    await world.enrol(COORDINATOR, Role.COORDINATOR)
    await world.two_factor(COORDINATOR)  # Telegram has no login of its own: a code first
    await world.enrol(REPORTER)
    return await world.share(REPORTER)


async def make_sheet(
    world: World, reference: str, sections: tuple[str, ...], day: str = "28-11-2026"
) -> None:
    """The coordinator goes through /casesheet choosing ``sections``."""
    await world.say(COORDINATOR, f"/casesheet {reference}")
    await world.step_up(COORDINATOR)  # a code, when the last one is older than the idle time
    for section in sections:
        await world.press(COORDINATOR, section)
    await world.press(COORDINATOR, "done")
    await world.press(COORDINATOR, "public_task")
    await world.press(COORDINATOR, "yes")
    await (world.say(COORDINATOR, day) if day else world.press(COORDINATOR, "skip"))
    if "agreed" in sections:
        await world.say(COORDINATOR, AGREED)
    await world.drain()


def files_to(world: World, chat: int) -> list[dict[str, Any]]:
    """The files the fake Telegram received for ``chat``."""
    return [f for f in world.fake.files if f["chat_id"] == chat]


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has (its page objects; fpdf2 writes them uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


async def test_a_coordinator_gets_the_sheet_as_pdf_and_text_and_the_export_is_logged(
    world: World,
) -> None:
    reference = await shared(world)

    await make_sheet(world, reference, ("account", "agreed"))

    (sheet,) = files_to(world, COORDINATOR)
    assert sheet["method"] == "sendDocument"
    assert sheet["filename"] == f"casesheet-{reference}-20261130.pdf"
    assert sheet["content"].startswith(b"%PDF-")
    assert page_count(sheet["content"]) >= 1
    text = next(t for t in reversed(world.texts(COORDINATOR)) if "CASE MEETING" in t)
    assert text.startswith("CONFIDENTIAL — CASE MEETING")
    assert FACTS in text
    assert INTERPRETATION in text
    assert AGREED in text
    assert "Legal basis: GDPR art. 6(1)(e)" in text
    assert "Young person or parents informed: Yes, they know (28 November 2026)" in text
    assert "The timeline" not in text
    assert files_to(world, REPORTER) == []
    assert not any(AGREED in t for t in world.texts(REPORTER))
    async with world.app.uow() as uow:
        rows = await uow.access_log.entries(concern_reference=reference)
        concern = await uow.concerns.by_reference(reference)
        assert concern is not None
        assert concern.id is not None
        (stored,) = await uow.agreements.of_concern(concern.id)
    # One row per export, naming the concern and the actor, no content (the row has no room).
    (logged,) = [r for r in rows if r.action == EXPORT]
    assert logged.outcome == "ok"
    assert logged.actor_member_id is not None
    assert stored.agreed == AGREED
    assert stored.informed_on == "2026-11-28"
    async with world.app.engine.connect() as connection:
        (sealed,) = (await connection.execute(select(agreements.c.agreed_enc))).one()
    assert "CANARY-AGREED" not in sealed


async def test_the_sections_chosen_are_in_the_sheet_and_the_others_not(world: World) -> None:
    reference = await shared(world)

    await make_sheet(world, reference, ("timeline",), day="")

    text = next(t for t in reversed(world.texts(COORDINATOR)) if "CASE MEETING" in t)
    assert "— The timeline —" in text
    assert "the reporter: shared the concern" in text
    assert FACTS not in text
    assert "What was agreed" not in text
    assert "Yes, they know (" not in text


async def test_a_reporter_is_refused_and_the_refusal_is_logged(world: World) -> None:
    reference = await shared(world)

    await world.say(REPORTER, f"/casesheet {reference}")

    assert world.texts(REPORTER)[-1] == f"There is no concern {reference} that you can see."
    assert files_to(world, REPORTER) == []
    async with world.app.uow() as uow:
        rows = await uow.access_log.entries(concern_reference=reference)
    assert [r.outcome for r in rows if r.action == EXPORT] == ["denied"]


async def test_the_sheet_goes_from_the_chat_as_the_accounts_copies_do(world: World) -> None:
    reference = await shared(world)
    await make_sheet(world, reference, ("account",))
    (sheet,) = files_to(world, COORDINATOR)
    text_id = next(
        m["message_id"] for m in reversed(world.fake.sent) if "CASE MEETING" in m["text"]
    )

    world.clock.advance(hours=24, minutes=1)
    await run_job(world, "details")

    assert {text_id, sheet["message_id"]} <= deleted_in(world, COORDINATOR)


async def test_erasing_the_concern_deletes_the_sheet_from_the_chat(world: World) -> None:
    reference = await shared(world)
    await make_sheet(world, reference, ("account",))
    (sheet,) = files_to(world, COORDINATOR)

    await world.say(COORDINATOR, f"/erase {reference}")
    await world.press(COORDINATOR, "yes")

    assert sheet["message_id"] in deleted_in(world, COORDINATOR)
    async with world.app.engine.connect() as connection:
        assert (await connection.execute(select(agreements))).first() is None


def test_days_are_read_as_coordinators_type_them() -> None:
    assert str(parse_day("28-11-2026")) == "2026-11-28"
    assert str(parse_day(" 3/12/2026 ")) == "2026-12-03"
    assert str(parse_day("2026-12-03")) == "2026-12-03"
    assert parse_day("31-02-2026") is None
    assert parse_day("yesterday") is None


async def test_retention_deletes_the_sheet_with_the_concern(world: World) -> None:
    reference = await shared(world)
    await world.say(COORDINATOR, f"/show {reference}")
    await world.press(COORDINATOR, "Update status")
    for choice in ("closed", "case_meeting", "skip", "skip", "yes"):  # note, reason
        await world.press(COORDINATOR, choice)
    world.clock.advance(days=366)
    await make_sheet(world, reference, ("account",))
    (sheet,) = files_to(world, COORDINATOR)

    await run_job(world, "retention")

    assert sheet["message_id"] in deleted_in(world, COORDINATOR)
    async with world.app.uow() as uow:
        assert await uow.concerns.by_reference(reference) is None
        assert await uow.posted.of_concern(reference) == []
