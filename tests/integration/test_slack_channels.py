"""Slack end to end where the bot is not everywhere: alert channels it must join or be invited
to, and answers in conversations it is not in (the running service and the strict fake)."""

from __future__ import annotations

import logging

import pytest

from bot.domain.model import Role
from tests.fakes.slack_api import BOT_USER_ID, FakeSlack
from tests.fakes.slack_conversations import IM, PRIVATE
from tests.integration.test_slack import (
    ALERTS,
    CANARY,
    CARLA,
    FEED_METHODS,
    REPORTER,
    TELEGRAM_COORDINATOR,
    WEST_ALERTS,
    WIM,
    World,
    before_start,
    config,
    labels,
    text_of,
    world,
)

FIXTURES = (before_start, config, world)  # used here by name, as pytest passes them
COLLEAGUES = "D0CARLAWIM"  # a direct message between two people, without the bot


def private_alerts(slack: FakeSlack) -> None:
    """The demo network's alert channel is private, and the bot was not invited."""
    slack.workspace.add(ALERTS, PRIVATE, (CARLA, WIM))


def colleagues_talking(slack: FakeSlack) -> None:
    """Carla and Wim have a direct message of their own."""
    slack.workspace.add(COLLEAGUES, IM, (CARLA, WIM))


def rate_limited_start(slack: FakeSlack) -> None:
    """Slack rate-limits the bot's first calls."""
    slack.rate_limit("auth.test", times=1, retry_after=30)
    slack.rate_limit("conversations.join", times=2, retry_after=5)


async def pending_and_dead(world: World) -> tuple[int, int]:
    """Messages waiting for Slack, and dead letters."""
    async with world.app.uow() as uow:
        return await uow.outbox.pending_count("slack"), await uow.outbox.dead_count()


async def test_the_bot_joins_its_public_alert_channels_at_start(world: World) -> None:
    joined = {p["channel"] for p in world.slack.called("conversations.join")}

    assert joined == {ALERTS, WEST_ALERTS}
    for channel in joined:
        found = world.slack.workspace.get(channel)
        assert found is not None
        assert found.has(BOT_USER_ID)
    assert "warnings" not in await world.service.health()


@pytest.mark.parametrize("before_start", [rate_limited_start])
async def test_rate_limits_at_start_are_waited_out_and_the_channels_joined(world: World) -> None:
    asked = [c.method for c in world.slack.requests]

    assert asked.count("auth.test") == 2
    assert asked.count("conversations.join") == 4
    assert {p["channel"] for p in world.slack.called("conversations.join")} == {
        ALERTS,
        WEST_ALERTS,
    }
    assert world.service.ready


async def test_a_bot_removed_from_its_alert_channel_joins_again_and_updates_the_alert(
    world: World,
) -> None:
    assert (await world.join(CARLA)).status == 200
    await world.enrol_reporter()
    await world.share()
    [alert] = world.alerts()
    found = world.slack.workspace.get(ALERTS)
    assert found is not None
    found.members.discard(BOT_USER_ID)  # someone removed the bot from the channel

    await world.press(CARLA, alert, "Acknowledge")

    assert "Status: Acknowledged" in world.current(alert["ts"])["text"]
    assert [line["text"] for line in world.thread(alert["ts"])] == ["Acknowledged by carla."]
    assert await pending_and_dead(world) == (0, 0)


@pytest.mark.parametrize("before_start", [private_alerts])
async def test_alerts_for_a_private_channel_without_the_bot_wait_and_all_go_out_once_invited(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # Carla joins from inside the private channel: the answer reaches her all the same.
    assert (await world.join(CARLA)).status == 200
    assert any(
        e["text"].startswith("Welcome. You are now enrolled") for e in world.ephemerals(CARLA)
    )
    await world.enrol_reporter()
    first = await world.share()
    second = await world.share()
    await world.tell(TELEGRAM_COORDINATOR, f"/start {await world.invite(Role.COORDINATOR)}")
    await world.tell(TELEGRAM_COORDINATOR, "/list")
    await world.tap(TELEGRAM_COORDINATOR, second)
    await world.tap(TELEGRAM_COORDINATOR, "Acknowledge")

    # Nothing could be posted; nothing is given up; the operator is told what to do.
    for _ in range(3):
        world.clock.advance(minutes=10)
        await world.deliver()
    assert world.alerts() == []
    waiting, dead = await pending_and_dead(world)
    assert (waiting, dead) == (4, 0)  # two alerts, the second's update and its thread line
    health = await world.service.health()
    assert health["ok"]
    assert health["warnings"] == [
        f"Slack channel {ALERTS} lacks the bot (method_not_supported_for_channel_type); "
        "alerts for it wait: type /invite @concernbot in that channel"
    ]
    records = [*caplog.get_records("setup"), *caplog.records]  # the bot learnt it at start
    told = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert any(ALERTS in line and "/invite @concernbot" in line for line in told)
    assert not any(CANARY in r.getMessage() for r in records)

    # A member invites the bot: at the next try every waiting alert goes out, each with what
    # followed it, in order.
    world.slack.workspace.invite(ALERTS)
    world.clock.advance(minutes=2)
    await world.deliver()

    assert await pending_and_dead(world) == (0, 0)
    alerts = world.alerts()
    assert len(alerts) == 2
    assert sorted(first in text_of(a) for a in alerts) == [False, True]
    [second_alert] = [a for a in alerts if second in a["text"]]
    after = [
        (c.method, c.params.get("ts") or c.params.get("thread_ts"))
        for c in world.slack.calls
        if c.method in FEED_METHODS and c.params.get("channel") == ALERTS
    ]
    ours = [call for call in after if call[1] in (None, second_alert["ts"])]
    assert ours.index(("chat.update", second_alert["ts"])) > ours.index(("chat.postMessage", None))
    assert "Status: Acknowledged" in world.current(second_alert["ts"])["text"]
    assert [line["text"] for line in world.thread(second_alert["ts"])] == [
        f"Acknowledged by User{TELEGRAM_COORDINATOR}."
    ]
    assert "warnings" not in await world.service.health()


@pytest.mark.parametrize("before_start", [colleagues_talking])
async def test_a_coordinator_sees_answers_in_a_direct_message_with_a_colleague(
    world: World,
) -> None:
    assert (await world.join(CARLA)).status == 200
    await world.enrol_reporter()
    reference = await world.share()

    await world.command(CARLA, "list", channel=COLLEAGUES)
    listing = world.ephemerals(CARLA)[-1]
    await world.press(CARLA, listing, reference, channel=COLLEAGUES)
    card = world.ephemerals(CARLA)[-1]
    await world.press(CARLA, card, "Acknowledge", channel=COLLEAGUES)
    told = world.ephemerals(CARLA)[-1]

    assert listing["text"].startswith("Open concerns (overdue first):")
    assert (listing["channel"], listing["via"]) == (COLLEAGUES, "url")
    assert card["text"].startswith(reference)
    assert "Acknowledge" in labels(card)
    assert "the reporter has been told" in told["text"]
    assert all(p["channel"] != COLLEAGUES for p in world.slack.called("chat.postEphemeral"))
    assert world.texts(REPORTER)[-1].startswith(f"Update on your concern {reference}")
