"""Step-up codes through the real Telegram adapter and the fake Bot API: Telegram declares no
login of its own, so a coordinator there needs an authenticator app to open details."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pyotp
import pytest

from bot.domain.model import Role
from tests.integration.test_telegram import (
    ACCOUNT_TEXT,
    COORDINATOR,
    REPORTER,
    World,
    running_world,
)


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    """The bot in long-polling mode against a fresh fake Bot API."""
    async with running_world("polling", tmp_path, monkeypatch) as running:
        yield running


async def shared(world: World) -> str:
    """A coordinator and a reporter on Telegram, and the reference of the reporter's concern."""
    await world.enrol(COORDINATOR, Role.COORDINATOR)
    await world.enrol(REPORTER)
    return await world.share(REPORTER)


async def test_a_coordinator_on_telegram_without_a_second_factor_is_refused(
    world: World,
) -> None:
    reference = await shared(world)

    await world.press(COORDINATOR, "View details")

    told = world.texts(COORDINATOR)[-1]
    assert told.startswith("To open a concern's details in this chat app you need a second")
    assert "/2fa" in told
    assert not [t for t in world.texts(COORDINATOR) if ACCOUNT_TEXT[0] in t]
    async with world.app.uow() as uow:
        rows = await uow.access_log.entries(concern_reference=reference)
    assert [(r.action, r.outcome, r.channel) for r in rows if r.action != "share"] == [
        ("step_up", "not_enrolled", "telegram")
    ]


async def test_the_message_with_the_secret_is_deleted_from_the_chat_once_confirmed(
    world: World,
) -> None:
    await shared(world)
    await world.say(COORDINATOR, "/2fa")
    shown = next(m for m in reversed(world.fake.sent) if "otpauth://" in m.get("text", ""))
    assert (COORDINATOR, shown["message_id"]) not in world.fake.deleted

    secret = secret_in(shown["text"])
    await world.say(COORDINATOR, pyotp.TOTP(secret).at(world.clock.now()))

    assert world.texts(COORDINATOR)[-1].startswith("Done: your second factor is active.")
    assert (COORDINATOR, shown["message_id"]) in world.fake.deleted
    await world.press(COORDINATOR, "View details")
    assert ACCOUNT_TEXT[0] in world.texts(COORDINATOR)[-1]


async def test_after_the_idle_time_telegram_asks_for_a_code_then_opens_the_details(
    world: World,
) -> None:
    reference = await shared(world)
    secret = await world.two_factor(COORDINATOR)
    world.clock.advance(minutes=16)

    await world.press(COORDINATOR, "View details")
    asked = world.texts(COORDINATOR)[-1]
    assert "Type the 6 digits" in asked
    await world.say(COORDINATOR, pyotp.TOTP(secret).at(world.clock.now()))

    assert ACCOUNT_TEXT[0] in world.texts(COORDINATOR)[-1]
    async with world.app.uow() as uow:
        rows = await uow.access_log.entries(concern_reference=reference)
    assert [(r.action, r.outcome) for r in rows if r.action in ("step_up", "view_details")] == [
        ("step_up", "asked"),
        ("view_details", "ok"),
    ]


def secret_in(text: str) -> str:
    """The secret in the otpauth:// link of ``text``."""
    found = re.search(r"secret=([A-Z2-7]+)", text)
    assert found is not None
    return found.group(1)
