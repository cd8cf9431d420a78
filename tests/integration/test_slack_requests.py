"""Slack requests as an attacker or a flaky network sends them, to the running service's real
``/slack/events``: replayed and retried requests have one effect; malformed ones get a 4xx,
never a 500, and leave no traceback in the log."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.storage.tables import invites
from tests.fakes.slack_api import TEAM_ID
from tests.integration.test_slack import (
    ALERTS,
    CARLA,
    SIGNING_SECRET,
    Answer,
    World,
    before_start,
    button,
    config,
    shared,
    signature,
    world,
)

FIXTURES = (before_start, config, shared, world)  # used here by name, as pytest passes them
NOTE = "Stickers of one group near the station again"


def signed(body: str | bytes, **extra: str) -> dict[str, str]:
    """Headers as Slack signs a form body now."""
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(SIGNING_SECRET, timestamp, raw),
        **extra,
    }


async def send(world: World, body: str | bytes, headers: dict[str, str]) -> Answer:
    """POST exactly these bytes and headers; wait for the listeners; deliver the outbox."""
    data = io.BytesIO(body.encode() if isinstance(body, str) else body)
    async with world.http.post(world.url, data=data, headers=headers) as response:
        answer = Answer(response.status, await response.text(), 0.0)
    await world.listeners.settled()
    await world.deliver()
    return answer


def command_body(world: World, text: str) -> str:
    """A ``/concern`` command from Carla, as Slack form-encodes it."""
    return urlencode(
        {
            "team_id": TEAM_ID,
            "channel_id": ALERTS,
            "user_id": CARLA,
            "user_name": "carla",
            "command": "/concern",
            "text": text,
            "response_url": world.slack.response_url(ALERTS, CARLA),
            "trigger_id": world.slack.trigger_id(),
        }
    )


async def invitations(world: World) -> int:
    """How many invitations are stored."""
    async with world.app.uow() as uow:
        found = await uow.connection.execute(select(func.count()).select_from(invites))
        return int(found.scalar_one())


async def notes(world: World) -> list[str]:
    """The trend notes of the demo network."""
    now = world.clock.now()
    async with world.app.uow() as uow:
        stored = await uow.notes.between("demo", now - timedelta(days=1), now + timedelta(days=1))
    return [n.text for n in stored]


# --- once only ----------------------------------------------------------------------------


async def test_a_slash_command_replayed_byte_for_byte_takes_effect_once(
    shared: tuple[World, str],
) -> None:
    world, _ = shared
    before = await invitations(world)
    answers = len(world.ephemerals(CARLA))

    for text in ("invite reporter", f"note {NOTE}"):
        body = command_body(world, text)
        headers = signed(body)
        assert (await send(world, body, headers)).status == 200
        assert (await send(world, body, headers)).status == 200

    assert await invitations(world) == before + 1
    assert await notes(world) == [NOTE]
    assert len(world.ephemerals(CARLA)) == answers + 2


async def test_a_retried_request_whose_first_attempt_was_processed_has_no_second_effect(
    shared: tuple[World, str],
) -> None:
    world, _ = shared
    before = await invitations(world)
    body = command_body(world, "invite reporter")
    assert (await send(world, body, signed(body))).status == 200

    for attempt in ("1", "2"):
        retry = signed(body, **{"X-Slack-Retry-Num": attempt, "X-Slack-Retry-Reason": "timeout"})
        answer = await send(world, body, retry)
        assert (answer.status, answer.text) == (200, "")

    assert await invitations(world) == before + 1


async def test_a_replayed_button_press_opens_no_second_form(shared: tuple[World, str]) -> None:
    world, _ = shared
    [alert] = world.alerts()
    body = urlencode(
        {"payload": json.dumps(world.block_actions(CARLA, button(alert, "Update status")))}
    )
    headers = signed(body)

    for _ in range(2):
        assert (await send(world, body, headers)).status == 200

    assert len(world.slack.views) == 1
    assert [c.method for c in world.slack.requests].count("views.open") == 1


# --- malformed requests -------------------------------------------------------------------


def malformed(world: World) -> dict[str, tuple[bytes, dict[str, str]]]:
    """Each kind of malformed request, by name: the body and the headers sent."""
    good = command_body(world, "list")
    stamp = str(int(time.time()))
    return {
        "a timestamp that is no number": (
            good.encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": "soon",
                "X-Slack-Signature": signature(SIGNING_SECRET, "soon", good),
            },
        ),
        "a timestamp of digits beyond any time": (
            good.encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": "9" * 400,
                "X-Slack-Signature": signature(SIGNING_SECRET, "9" * 400, good),
            },
        ),
        "no signature headers": (
            good.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "no content type": (
            good.encode(),
            {k: v for k, v in signed(good).items() if k != "Content-Type"},
        ),
        "a wrong content type": (good.encode(), signed(good, **{"Content-Type": "text/xml"})),
        "a body that is not text": (b"\xff\xfe\x00payload", signed(b"\xff\xfe\x00payload")),
        "a body that is neither form nor JSON": (b"{{{ not json", signed("{{{ not json")),
        "JSON that is no object": (
            b"[1, 2]",
            signed("[1, 2]", **{"Content-Type": "application/json"}),
        ),
        "bad JSON in payload": (
            b"payload=%7B%22type%22%3A",
            signed("payload=%7B%22type%22%3A"),
        ),
        "a payload that is no object": (b"payload=%5B%5D", signed("payload=%5B%5D")),
        "an empty body": (b"", signed("")),
        "a huge body": (
            b"text=" + b"a" * (2 * 1024 * 1024),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": "v0=" + "0" * 64,
            },
        ),
    }


async def test_every_malformed_request_gets_a_4xx_and_leaves_no_traceback(
    shared: tuple[World, str], caplog: pytest.LogCaptureFixture
) -> None:
    world, _ = shared
    caplog.set_level(logging.DEBUG)
    listened = world.listeners.started

    statuses = {
        name: (await send(world, body, headers)).status
        for name, (body, headers) in malformed(world).items()
    }

    assert {n: s for n, s in statuses.items() if not 400 <= s < 500} == {}
    assert statuses["a huge body"] == 413
    assert statuses["a wrong content type"] == 415
    assert world.listeners.started == listened
    assert "Traceback" not in caplog.text
    # Still serving: a proper request right after is answered.
    assert (await world.command(CARLA, "help")).status == 200
