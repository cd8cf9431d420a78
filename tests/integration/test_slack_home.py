"""Slack's App Home tab as a coordinator's desk, end to end: the real slack-bolt app behind
``/slack/events``, ``app_home_opened`` sent as the Events API sends it (signed JSON), and the
strict fake's ``views.publish``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.domain.deadlines import acknowledge_due, feedback_due
from bot.domain.model import Concern, Mode, Role, Status
from bot.domain.reference import new_reference
from bot.scheduling.jobs.reminders import run_reminders
from bot.storage.outbox_home import HOME_SETTLE
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.fakes.slack_home import app_home_opened, send_event
from tests.integration.test_slack import (
    ALERTS,
    CANARY,
    CARLA,
    NOBODY,
    PROMPT_SECONDS,
    REPORTER,
    SIGNING_SECRET,
    WEST_ORG,
    WIM,
    Answer,
    World,
    config,
    shared,
    text_of,
    world,
)
from tests.integration.test_slack_modals import erase_on_telegram

FIXTURES = (config, shared, world)  # used here by name, as pytest passes them
REPORTER_ON_SLACK = "U0REPO"
APPHOME = Path("/work/notes/apphome.json")


@pytest.fixture
def before_start() -> Callable[[FakeSlack], None]:
    """The workspace's people, whom ``views.publish`` knows."""

    def people(slack: FakeSlack) -> None:
        slack.users |= {CARLA, WIM, NOBODY, REPORTER_ON_SLACK}

    return people


async def post_event(
    world: World, body: dict[str, Any], secret: str | None = SIGNING_SECRET
) -> int:
    """Slack sends an Events API body; wait for the listeners, then deliver the outbox."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    status = await send_event(world.http, world.url, body, secret)
    assert loop.time() - started < PROMPT_SECONDS
    await world.listeners.settled()
    await world.deliver()
    return status


async def open_home(world: World, user: str, event_id: str = "") -> dict[str, Any]:
    """``user`` opens the app's Home tab; returns the view the fake then shows them."""
    event_id = event_id or f"Ev{next(world.stamps):08d}"
    assert await post_event(world, app_home_opened(TEAM_ID, user, event_id)) == 200
    return world.slack.homes.get(user, {})


def shown(view: dict[str, Any]) -> str:
    """Every text of a view, joined."""
    return "\n".join(text for _, text in _texts(view))


def _texts(view: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for block in view.get("blocks", []):
        if "text" in block:
            found.append((block["text"]["type"], block["text"]["text"]))
        for element in block.get("elements", []):
            found.append((element["text"]["type"], element["text"]["text"]))
    return found


def home_button(view: dict[str, Any], reference: str, label: str) -> dict[str, Any]:
    """The button ``label`` on the card of ``reference``."""
    for block in view["blocks"]:
        if block["type"] == "actions" and block["block_id"] == f"do:{reference}":
            for element in block["elements"]:
                if element["text"]["text"] == label:
                    return dict(element)
    raise AssertionError(f"no {label!r} for {reference} in {shown(view)[:400]}")


async def press_in_home(world: World, user: str, element: dict[str, Any]) -> Answer:
    """``user`` presses ``element`` in their Home tab (no channel, no response URL)."""
    body = world.block_actions(user, element)
    for key in ("channel", "response_url"):
        body.pop(key)
    body["container"] = {"type": "view", "view_id": "VHOME" + user}
    body["view"] = {"id": "VHOME" + user, "type": "home", **world.slack.homes[user]}
    return await world.post(urlencode({"payload": json.dumps(body)}))


def direct_messages(world: World, user: str) -> list[str]:
    """The texts the bot posted in its direct messages with ``user``."""
    return [p["text"] for p in world.slack.posted("D" + user)]


async def coordinator_id(world: World, user: str) -> int:
    """The member id of a Slack coordinator."""
    member = await world.member(user)
    assert member is not None
    assert member.id is not None
    return member.id


async def stored(
    world: World, reporter: int, age: timedelta, acute: bool = False, assignee: int | None = None
) -> Concern:
    """A concern stored as the domain sees it, shared ``age`` ago."""
    created = world.clock.now() - age
    deadlines = world.app.settings.deadlines
    concern = Concern(
        id=None,
        reference=new_reference(),
        network_id="demo",
        organisation_id="jongerenwerk-noord",
        reporter_id=reporter,
        mode=Mode.SHARE,
        subject="person",
        age_band="16_17",
        setting="school",
        source="own_observation",
        urgency="acute" if acute else "week",
        acute=acute,
        contact_allowed=True,
        identity_shown=False,
        actions_taken=(),
        facts=f"{CANARY}: facts",
        interpretation=f"{CANARY}: view",
        counter_signals="",
        created_at=created,
        acknowledge_due=acknowledge_due(created, acute or "week", deadlines),
        feedback_due=feedback_due(created, deadlines),
    )
    if assignee is not None:
        concern.acknowledge(assignee, created + timedelta(minutes=5))
    async with world.app.uow() as uow:
        await uow.concerns.add(concern)
        await uow.commit()
    return concern


async def test_a_coordinator_opening_home_sees_the_open_concerns_with_the_alerts_buttons(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    view = await open_home(world, CARLA)

    text = shown(view)
    assert view["type"] == "home"
    for part in (reference, "Received", "Unassigned", "Your queue", "Nothing is assigned"):
        assert part in text
    assert "Acknowledge by" in text
    assert "shared " in text
    card = next(b for b in view["blocks"] if b["type"] == "actions")
    assert [e["text"]["text"] for e in card["elements"]] == [
        "Acknowledge",
        "Assign to me",
        "View details",
        "Ask reporter",
        "Update status",
    ]
    assert card["elements"][0]["action_id"] == f"act:ack#{reference}"
    assert CANARY not in text_of({"view": view})  # no free text of a concern, ever
    assert all(kind == "plain_text" for kind, _ in _texts(view))  # nothing pings or links
    async with world.app.uow() as uow:
        assert await uow.outbox.pending_count("slack") == 0


async def test_a_button_in_home_acts_as_the_alerts_and_answers_in_the_direct_messages(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    view = await open_home(world, CARLA)
    ephemerals_before = len(world.ephemerals(CARLA))

    await press_in_home(world, CARLA, home_button(view, reference, "Acknowledge"))
    world.clock.advance(seconds=HOME_SETTLE.total_seconds())
    await world.deliver()

    assert (await world.concern(reference)).status is Status.ACKNOWLEDGED
    assert any("You acknowledged" in t for t in direct_messages(world, CARLA))
    assert len(world.ephemerals(CARLA)) == ephemerals_before
    fresh = shown(world.slack.homes[CARLA])
    assert "Acknowledged" in fresh
    assert "Nothing is assigned to you." not in fresh
    assert "Feedback by" in fresh

    # Details go to the direct messages (logged), never to the alert channel.
    details = home_button(world.slack.homes[CARLA], reference, "View details")
    await press_in_home(world, CARLA, details)
    assert any(CANARY in t for t in direct_messages(world, CARLA))
    assert all(CANARY not in text_of(p) for p in world.slack.posted(ALERTS))
    assert "view_details" in [e.action for e in await world.log(reference)]


async def test_a_form_opened_from_home_answers_in_the_direct_messages(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    view = await open_home(world, CARLA)

    await press_in_home(world, CARLA, home_button(view, reference, "Update status"))
    assert world.slack.views[-1]["callback_id"] == "status"
    await world.submit(CARLA, len(world.slack.views) - 1, {"status": "in_analysis"})

    assert (await world.concern(reference)).status is Status.IN_ANALYSIS
    assert any("is now: In analysis" in t for t in direct_messages(world, CARLA))


async def test_home_follows_changes_made_elsewhere_and_a_burst_publishes_once(
    shared: tuple[World, str],
) -> None:
    world, _ = shared
    await open_home(world, CARLA)
    publishes = len(world.slack.called("views.publish"))

    [alert] = world.alerts()
    await world.press(CARLA, alert, "Acknowledge")
    await world.press(CARLA, world.current(alert["ts"]), "Assign to me")
    assert len(world.slack.called("views.publish")) == publishes  # still settling

    world.clock.advance(seconds=HOME_SETTLE.total_seconds())
    await world.deliver()
    assert len(world.slack.called("views.publish")) == publishes + 1
    text = shown(world.slack.homes[CARLA])
    assert "Acknowledged" in text
    assert "Nothing is assigned to you." not in text


async def test_a_failed_publish_waits_in_the_outbox_and_is_tried_again(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    world.slack.rate_limit("views.publish", times=1, retry_after=5)
    await open_home(world, CARLA)
    assert CARLA not in world.slack.homes
    async with world.app.uow() as uow:
        assert await uow.outbox.pending_count("slack") == 1

    world.clock.advance(seconds=6)
    await world.deliver()
    assert reference in shown(world.slack.homes[CARLA])
    async with world.app.uow() as uow:
        assert await uow.outbox.pending_count("slack") == 0


async def test_someone_who_coordinates_nothing_gets_a_line_about_the_bot_and_no_data(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    stranger = await open_home(world, NOBODY)
    assert "Only invited professionals can use it" in shown(stranger)
    assert reference not in text_of({"view": stranger})

    answer = await world.command(REPORTER_ON_SLACK, f"join {await world.invite(Role.REPORTER)}")
    assert answer.status == 200
    reporter = await open_home(world, REPORTER_ON_SLACK)
    assert "This tab is for the coordinators of a network" in shown(reporter)
    assert reference not in text_of({"view": reporter})
    assert [b["type"] for b in reporter["blocks"]] == ["section"]
    # Neither is kept up to date: a change publishes nothing to them.
    await open_home(world, CARLA)
    [alert] = world.alerts()
    await world.press(CARLA, alert, "Acknowledge")
    world.clock.advance(seconds=3)
    await world.deliver()
    users = [c["user_id"] for c in world.slack.called("views.publish")]
    assert users.count(NOBODY) == 1
    assert users.count(REPORTER_ON_SLACK) == 1


async def test_a_coordinator_of_another_network_sees_only_that_networks_concerns(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    await world.join(WIM, WEST_ORG)
    west = await open_home(world, WIM)
    assert reference not in text_of({"view": west})
    assert "Netwerk West" in shown(west)
    await open_home(world, CARLA)

    [alert] = world.alerts()
    await world.press(CARLA, alert, "Acknowledge")
    world.clock.advance(seconds=HOME_SETTLE.total_seconds())
    await world.deliver()

    users = [c["user_id"] for c in world.slack.called("views.publish")]
    assert users.count(WIM) == 1  # a change in another network publishes nothing to Wim
    assert users.count(CARLA) == 2


async def test_an_unsigned_or_repeated_event_publishes_nothing_more(
    shared: tuple[World, str],
) -> None:
    world, _ = shared
    body = app_home_opened(TEAM_ID, CARLA, "Ev1")
    assert await post_event(world, body, secret=None) == 401
    assert await post_event(world, body, secret="not-the-secret") == 401
    assert world.slack.called("views.publish") == []

    await open_home(world, CARLA, "Ev1")
    await open_home(world, CARLA, "Ev1")  # Slack's retry of the same event
    assert len(world.slack.called("views.publish")) == 1
    messages = app_home_opened(TEAM_ID, CARLA, "Ev2", tab="messages")
    assert await post_event(world, messages) == 200
    assert len(world.slack.called("views.publish")) == 1


async def test_home_speaks_the_viewers_language(shared: tuple[World, str]) -> None:
    world, reference = shared
    carla = await coordinator_id(world, CARLA)
    async with world.app.uow() as uow:
        await uow.members.set_language(carla, "nl")
        await uow.commit()
    text = shown(await open_home(world, CARLA))
    for part in ("Jouw wachtrij", "niet toegewezen", "Ontvangst bevestigen uiterlijk", reference):
        assert part in text
    assert "Your queue" not in text


async def test_many_concerns_show_the_most_urgent_and_count_the_rest(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    reporter = (await world.concern(reference)).reporter_id
    for n in range(70):
        await stored(world, reporter, timedelta(hours=n + 1))
    acute = await stored(world, reporter, timedelta(minutes=5), acute=True)

    view = await open_home(world, CARLA)
    assert len(view["blocks"]) <= 100
    cards = [b["block_id"][5:] for b in view["blocks"] if b["block_id"].startswith("card:")]
    hidden = 72 - len(cards)  # 70 stored, the acute one and the shared one
    assert hidden > 0
    assert f"… and {hidden} more; /concern list shows them all." in shown(view)
    # Most urgent first: the overdue ones, then the acute one; the newest are left off.
    assert acute.reference in cards
    assert reference not in cards


async def test_the_view_as_the_fake_received_it_is_saved_for_the_closing_note(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    await world.join(WIM)
    carla, wim = await coordinator_id(world, CARLA), await coordinator_id(world, WIM)
    reporter = (await world.concern(reference)).reporter_id
    acute = await stored(world, reporter, timedelta(minutes=5), acute=True)
    mine = await stored(world, reporter, timedelta(days=3), assignee=carla)
    late = await stored(world, reporter, timedelta(days=9))  # not acknowledged in time
    await stored(world, reporter, timedelta(days=1), assignee=wim)

    view = await open_home(world, CARLA)
    text = shown(view)
    cards = [b["block_id"][5:] for b in view["blocks"] if b["block_id"].startswith("card:")]
    assert cards[:3] == [mine.reference, late.reference, acute.reference]
    assert text.index("Your queue") < text.index("Everything else that is open")
    assert "ACUTE" in text
    assert "OVERDUE" in text
    assert "Assigned to: wim" in text
    with pytest.raises(AssertionError):  # what is hers already she cannot take again
        home_button(view, mine.reference, "Assign to me")
    assert home_button(view, mine.reference, "Update status")
    await save(view, APPHOME)

    async with world.app.uow() as uow:
        await uow.members.set_language(carla, "nl")
        await uow.commit()
    dutch = await open_home(world, CARLA)
    assert "Jouw wachtrij" in shown(dutch)
    assert "TE LAAT" in shown(dutch)
    await save(dutch, APPHOME.with_name("apphome.nl.json"))


async def save(view: dict[str, Any], path: Path) -> None:
    """Keep a copy of ``view`` for the closing note, where the notes are."""
    if path.parent.is_dir():
        saved = json.dumps(view, ensure_ascii=False, indent=2) + "\n"
        await asyncio.to_thread(path.write_text, saved, encoding="utf-8")


async def test_a_deadline_passing_shows_in_home_once_the_reminders_run(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    assert "OVERDUE" not in shown(await open_home(world, CARLA))

    concern = await world.concern(reference)
    world.clock.set(concern.acknowledge_due + timedelta(minutes=1))
    async with world.app.uow() as uow:
        for message in await run_reminders(uow, world.app.settings, world.clock.now()):
            await uow.outbox.add(message, world.clock.now())
        await uow.commit()
    world.clock.advance(seconds=HOME_SETTLE.total_seconds())
    await world.deliver()

    assert "OVERDUE" in shown(world.slack.homes[CARLA])
    assert "1 overdue" in shown(world.slack.homes[CARLA])


async def test_a_closed_or_erased_concern_leaves_home(shared: tuple[World, str]) -> None:
    world, reference = shared
    await world.enrol_reporter(REPORTER + 1)
    other = await world.share(REPORTER + 1)
    view = await open_home(world, CARLA)

    await press_in_home(world, CARLA, home_button(view, reference, "Update status"))
    values: dict[str, str | None] = {"status": "closed", "outcome": "advice_given"}
    await world.submit(CARLA, len(world.slack.views) - 1, values)
    world.clock.advance(seconds=HOME_SETTLE.total_seconds())
    await world.deliver()
    assert reference not in shown(world.slack.homes[CARLA])
    assert other in shown(world.slack.homes[CARLA])

    await erase_on_telegram(world, other)
    world.clock.advance(seconds=HOME_SETTLE.total_seconds())
    await world.deliver()
    assert other not in text_of({"view": world.slack.homes[CARLA]})
    assert "0 open" in shown(world.slack.homes[CARLA])


async def test_a_new_concern_reaches_home_as_it_is_shared(shared: tuple[World, str]) -> None:
    world, reference = shared
    await open_home(world, CARLA)

    await world.enrol_reporter(REPORTER + 2)
    fresh = await world.share(REPORTER + 2)
    world.clock.advance(seconds=HOME_SETTLE.total_seconds())
    await world.deliver()

    text = shown(world.slack.homes[CARLA])
    assert fresh in text
    assert reference in text
    assert "2 open" in text
