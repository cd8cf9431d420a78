"""A coordinator's copy of an account in their chat is deleted from it: after the configured
hours, on erasure and by retention; and where that is no longer possible, the bot says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app.composition import App
from bot.app.config import ConfigError, load_settings
from bot.domain.model import Role
from bot.scheduling.scheduler import Scheduler
from bot.share_script import share_path
from bot.testing import RecordingOutlet, join
from tests.integration.conftest import EXAMPLE, act, share
from tests.integration.test_telegram import (
    COORDINATOR,
    REPORTER,
    World,
    running_world,
)

LONG_FACTS = tuple(f"Part {n}: " + " ".join(["observed"] * 430) for n in range(3))
NOTE = "the bot deletes this message from the chat after 24 hours"


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    """The bot running against a fake Bot API (polling), as in test_telegram."""
    async with running_world("polling", tmp_path, monkeypatch) as running:
        yield running


async def shared_long(world: World) -> str:
    """A coordinator and a reporter enrolled; an account of three messages' length shared."""
    await world.enrol(COORDINATOR, Role.COORDINATOR)
    await world.two_factor(COORDINATOR)  # details open on Telegram after a step-up code
    await world.enrol(REPORTER)
    await world.run_script(REPORTER, share_path().before("facts"))
    for part in LONG_FACTS:
        await world.say(REPORTER, part)
    return await world.share(REPORTER, ("#done", *share_path().after("facts")))


async def open_details(world: World, reference: str) -> list[int]:
    """The coordinator opens the account; the ids of the messages it arrived in."""
    before = len(world.fake.sent)
    await world.tap(COORDINATOR, f"act:details:{reference}")
    if world.texts(COORDINATOR) and "Type the 6 digits" in world.texts(COORDINATOR)[-1]:
        before = len(world.fake.sent)  # the last code is old: the bot asks for a new one
        assert await world.step_up(COORDINATOR)
    parts = [m for m in world.fake.sent[before:] if m["chat"]["id"] == COORDINATOR]
    assert len(parts) >= 3
    assert LONG_FACTS[0][:40] in parts[0]["text"]
    return [int(m["message_id"]) for m in parts]


def deleted_in(world: World, chat: int) -> set[int]:
    """The messages the bot asked Telegram to delete in ``chat`` (but the one that showed the
    step-up secret, deleted once the coordinator confirmed it)."""
    secret = {m["message_id"] for m in world.fake.sent if "otpauth://" in m.get("text", "")}
    return {m for c, m in world.fake.deleted if c == chat and m not in secret}


async def run_job(world: World, name: str) -> None:
    """Run a scheduled job now, as the scheduler would, and deliver what it queued."""
    scheduler = Scheduler(
        world.app.uow, world.app.settings, world.clock, on_outbox=world.deliverer.wake
    )
    await scheduler.run(name)
    await world.drain()


async def test_an_opened_account_says_it_goes_after_24_hours_and_then_every_part_goes(
    world: World,
) -> None:
    reference = await shared_long(world)
    ids = await open_details(world, reference)
    assert NOTE in world.texts(COORDINATOR)[-1]

    world.clock.advance(hours=23, minutes=50)
    await run_job(world, "details")
    assert deleted_in(world, COORDINATOR) == set()

    world.clock.advance(minutes=10)
    await run_job(world, "details")
    assert deleted_in(world, COORDINATOR) == set(ids)
    async with world.app.uow() as uow:
        assert await uow.posted.of_concern(reference) == []


async def test_erasing_a_concern_deletes_the_account_a_coordinator_opened_on_telegram(
    world: World,
) -> None:
    reference = await shared_long(world)
    ids = await open_details(world, reference)

    await world.say(COORDINATOR, f"/erase {reference}")
    await world.press(COORDINATOR, "yes")

    assert deleted_in(world, COORDINATOR) == set(ids)
    assert world.texts(COORDINATOR)[-1] == (
        f"{reference} and everything stored with it have been erased."
    )


async def test_an_erasure_after_48_hours_says_which_copies_the_bot_could_not_delete(
    world: World,
) -> None:
    reference = await shared_long(world)
    await open_details(world, reference)
    world.clock.advance(hours=49)  # the bot was not running when the copy was due to go
    await run_job(world, "details")
    fresh = await open_details(world, reference)

    await world.say(COORDINATOR, f"/erase {reference}")
    await world.press(COORDINATOR, "yes")

    assert world.texts(COORDINATOR)[-1] == (
        f"{reference} and everything stored with it have been erased. The bot could not "
        "delete the copy of the account that a coordinator opened in their chat more than 48 "
        "hours ago: the chat app no longer allows it. Ask them to delete that message "
        "themselves."
    )
    assert set(fresh) <= deleted_in(world, COORDINATOR)


async def test_retention_deletes_the_account_a_coordinator_opened_on_telegram(
    world: World,
) -> None:
    reference = await shared_long(world)
    await world.press(COORDINATOR, "Update status")
    for choice in ("closed", "referred", "skip", "skip", "yes"):
        await world.press(COORDINATOR, choice)
    world.clock.advance(days=366)
    ids = await open_details(world, reference)

    await run_job(world, "retention")

    assert deleted_in(world, COORDINATOR) == set(ids)
    async with world.app.uow() as uow:
        assert await uow.concerns.by_reference(reference) is None


async def test_an_account_opened_where_nothing_can_be_deleted_leaves_no_record(
    app: App, outlet: RecordingOutlet
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9")
    coordinator = await join(app, outlet, "Carl-Coordinator", Role.COORDINATOR)
    reference = await share(reporter)

    await act(coordinator, "details", reference)

    async with app.uow() as uow:
        assert await uow.posted.of_concern(reference) == []


def test_a_removal_time_telegram_would_not_allow_is_refused_at_load(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for hours, fine in ((47, True), (48, False), (0, False)):
        path = tmp_path / "config.toml"
        path.write_text(
            text.replace("details_removal_hours = 24", f"details_removal_hours = {hours}"),
            encoding="utf-8",
        )
        if fine:
            assert load_settings(path).scheduler.details_removal_hours == hours
        else:
            with pytest.raises(ConfigError, match="details_removal_hours"):
                load_settings(path)
