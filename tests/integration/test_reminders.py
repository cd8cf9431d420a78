"""Reminders and escalation at the right moments, once each, driven by the fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.registry import REGISTRY
from bot.app.composition import App, bootstrap
from bot.channels.events import Address, ChoiceMade, Sender
from bot.channels.parts import Thread
from bot.delivery.worker import Deliverer
from bot.domain.model import Member, Role
from bot.i18n import translator
from bot.scheduling.jobs.reminders import (
    ESCALATED,
    ESCALATED_LINE,
    FEEDBACK_ASK,
    FEEDBACK_LATE,
    FEEDBACK_LINE,
    LATE_LINE,
    NOT_ACKNOWLEDGED,
    STILL_WORKING,
)
from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings
from bot.share_script import share_path
from bot.testing import (
    SHARE_SCRIPT,
    Chat,
    FakeClock,
    RecordingOutlet,
    example_settings,
    fixed_cipher,
    join,
)
from bot.usecases.followup import CONFIRMED_OPEN

THURSDAY = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
MONDAY_DEADLINE = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # "this week": 3 working days later
ACUTE_SCRIPT = share_path(acute=True).lines()
ROOT = Path(__file__).resolve().parents[2]
FEED = Address("slack", "C0000000000")  # the demo network's alert channel in the example config


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return example_settings(tmp_path / "reminders.db")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(THURSDAY)


@dataclass
class Desk:
    """A reporter and two coordinators (bob is a backup coordinator, in Dutch)."""

    app: App
    clock: FakeClock
    outlet: RecordingOutlet
    slack: RecordingOutlet
    anna: Chat
    cora: Chat
    bob: Chat
    deliverer: Deliverer

    async def run_at(self, moment: datetime) -> int:
        """Run the reminders job as the scheduler would at ``moment``; new messages delivered."""
        self.clock.set(moment)
        scheduler = Scheduler(self.app.uow, self.app.settings, self.clock, self.app.feeds)
        run = await scheduler.run("reminders")
        assert run.ran
        await self.deliverer.deliver_due()
        return run.messages

    async def share(self, script: tuple[str, ...] = SHARE_SCRIPT) -> str:
        """Anna shares a concern; returns its reference."""
        before = await self._references()
        await self.anna.script(script)
        (new,) = await self._references() - before
        return new

    async def _references(self) -> set[str]:
        async with self.app.uow() as uow:
            assert self.anna.member.id is not None
            return {c.reference for c in await uow.concerns.of_reporter(self.anna.member.id)}

    async def acknowledge(self, reference: str) -> None:
        """Cora presses Acknowledge on the alert."""
        await self.cora.send(ChoiceMade(Sender(self.cora.address), f"act:ack:{reference}"))

    def texts(self, chat: Chat) -> list[str]:
        """Everything delivered to ``chat``'s member."""
        return [r.text for r in self.outlet.to(chat.address.user_id)]


async def open_desk(settings: Settings, clock: FakeClock, environ: dict[str, str]) -> Desk:
    app = await bootstrap(
        settings, clock=clock, cipher=fixed_cipher(), environ=environ, channels=REGISTRY
    )
    outlet = RecordingOutlet()
    slack = RecordingOutlet("slack")
    anna = await join(app, outlet, "anna")
    cora = await join(app, outlet, "cora", Role.COORDINATOR)
    bob = await join(app, outlet, "bob", Role.COORDINATOR, language="nl")
    await bob.say("/backup on")
    outlets = {"console": outlet, "slack": slack}
    deliverer = Deliverer(app.uow, outlets, clock, settings.outbox)
    desk = Desk(app, clock, outlet, slack, anna, cora, bob, deliverer)
    # Every chat delivers through the one deliverer that also knows the Slack feed.
    for chat in (anna, cora, bob):
        chat.deliverer = deliverer
    return desk


@pytest.fixture
async def desk(settings: Settings, clock: FakeClock) -> AsyncIterator[Desk]:
    desk = await open_desk(settings, clock, {})
    yield desk
    await desk.app.close()


@pytest.fixture
async def desk_with_feed(settings: Settings, clock: FakeClock) -> AsyncIterator[Desk]:
    desk = await open_desk(settings, clock, {"SLACK_BOT_TOKEN": "xoxb-made-up"})
    yield desk
    await desk.app.close()


def reminded(texts: list[str], reference: str, language: str = "en") -> list[str]:
    """The late-acknowledgement reminders about ``reference`` among ``texts``."""
    head = translator(language)(NOT_ACKNOWLEDGED).split("{reference}")[0]
    return [t for t in texts if t.startswith(head) and reference in t]


def escalations(texts: list[str], reference: str, language: str = "nl") -> list[str]:
    """The escalation messages about ``reference`` among ``texts``."""
    expected = translator(language)(ESCALATED).format(reference=reference)
    return [t for t in texts if t == expected]


async def test_an_acute_concern_is_not_chased_before_its_fifteen_minutes_are_up(
    desk: Desk,
) -> None:
    reference = await desk.share(ACUTE_SCRIPT)
    before = {c.member.display_name: len(desk.texts(c)) for c in (desk.anna, desk.cora, desk.bob)}
    assert await desk.run_at(THURSDAY + timedelta(minutes=14)) == 0
    after = {c.member.display_name: len(desk.texts(c)) for c in (desk.anna, desk.cora, desk.bob)}
    assert after == before
    assert reminded(desk.texts(desk.cora), reference) == []


async def test_an_unacknowledged_acute_concern_is_re_alerted_and_escalated_after_sixteen_minutes(
    desk: Desk,
) -> None:
    reference = await desk.share(ACUTE_SCRIPT)
    await desk.run_at(THURSDAY + timedelta(minutes=16))
    cora, bob = desk.texts(desk.cora), desk.texts(desk.bob)
    assert len(reminded(cora, reference)) == 1
    assert "ACUTE concern shared" in reminded(cora, reference)[0]
    assert len(reminded(bob, reference, "nl")) == 1
    assert len(escalations(bob, reference)) == 1
    assert escalations(cora, reference, "en") == []
    late = [r for r in desk.outlet.to("cora") if r.text in reminded(cora, reference)]
    assert f"act:ack:{reference}" in [c.id for c in late[0].choices]


async def test_the_escalation_happens_once_only(desk: Desk) -> None:
    reference = await desk.share(ACUTE_SCRIPT)
    await desk.run_at(THURSDAY + timedelta(minutes=16))
    counts = {c.member.display_name: len(desk.texts(c)) for c in (desk.anna, desk.cora, desk.bob)}
    for minutes in (21, 26, 60, 60 * 24):
        assert await desk.run_at(THURSDAY + timedelta(minutes=minutes)) == 0
    after = {c.member.display_name: len(desk.texts(c)) for c in (desk.anna, desk.cora, desk.bob)}
    assert after == counts
    assert len(escalations(desk.texts(desk.bob), reference)) == 1


async def test_an_acknowledged_acute_concern_is_neither_re_alerted_nor_escalated(
    desk: Desk,
) -> None:
    reference = await desk.share(ACUTE_SCRIPT)
    desk.clock.advance(minutes=10)
    await desk.acknowledge(reference)
    await desk.run_at(THURSDAY + timedelta(minutes=16))
    assert reminded(desk.texts(desk.cora), reference) == []
    assert reminded(desk.texts(desk.bob), reference, "nl") == []
    assert escalations(desk.texts(desk.bob), reference) == []


async def test_a_normal_concern_is_not_chased_over_the_weekend_before_its_deadline(
    desk: Desk,
) -> None:
    reference = await desk.share()
    for moment in (
        THURSDAY + timedelta(days=1, minutes=5),  # Friday: one working day passed
        datetime(2026, 11, 28, 12, 0, tzinfo=UTC),  # Saturday
        datetime(2026, 11, 29, 23, 55, tzinfo=UTC),  # Sunday night
        MONDAY_DEADLINE - timedelta(minutes=5),
    ):
        assert await desk.run_at(moment) == 0
    assert reminded(desk.texts(desk.cora), reference) == []


async def test_a_normal_concern_gets_one_reminder_just_after_its_working_day_deadline(
    desk: Desk,
) -> None:
    reference = await desk.share()
    await desk.run_at(MONDAY_DEADLINE + timedelta(minutes=5))
    assert len(reminded(desk.texts(desk.cora), reference)) == 1
    assert len(reminded(desk.texts(desk.bob), reference, "nl")) == 1
    assert "(deadline 1 December, 11:00)" in reminded(desk.texts(desk.cora), reference)[0]
    for later in (timedelta(minutes=30), timedelta(days=1), timedelta(days=3)):
        assert await desk.run_at(MONDAY_DEADLINE + later) == 0
    assert len(reminded(desk.texts(desk.cora), reference)) == 1
    # A normal concern is not escalated to the backup coordinators.
    assert escalations(desk.texts(desk.bob), reference) == []


async def test_a_normal_concern_acknowledged_in_time_gets_no_acknowledgement_reminder(
    desk: Desk,
) -> None:
    reference = await desk.share()
    desk.clock.set(THURSDAY + timedelta(days=1))
    await desk.acknowledge(reference)
    assert await desk.run_at(MONDAY_DEADLINE + timedelta(minutes=5)) == 0
    assert reminded(desk.texts(desk.cora), reference) == []


async def test_overdue_feedback_reminds_the_assignee_and_tells_the_reporter_every_fourteen_days(
    desk: Desk,
) -> None:
    reference = await desk.share()
    acknowledged = THURSDAY + timedelta(minutes=30)
    desk.clock.set(acknowledged)
    await desk.acknowledge(reference)
    still = translator("en")(STILL_WORKING).format(reference=reference)
    late = translator("en")(FEEDBACK_LATE).format(reference=reference)

    # A day ahead the assignee is asked for a line first (one message, to cora alone).
    assert await desk.run_at(acknowledged + timedelta(days=14) - timedelta(minutes=5)) == 1
    assert still not in desk.texts(desk.anna)
    first = acknowledged + timedelta(days=14, minutes=5)
    await desk.run_at(first)
    assert desk.texts(desk.anna).count(still) == 1
    assert desk.texts(desk.cora).count(late) == 1
    assert translator("nl")(FEEDBACK_LATE).format(reference=reference) not in desk.texts(desk.bob)

    assert await desk.run_at(first + timedelta(minutes=10)) == 0
    assert await desk.run_at(first + timedelta(days=14) - timedelta(minutes=5)) == 1  # asked
    await desk.run_at(first + timedelta(days=14, minutes=5))
    assert desk.texts(desk.anna).count(still) == 2
    assert desk.texts(desk.cora).count(late) == 2


async def acknowledged_by_bob(desk: Desk) -> str:
    """Anna shares; Bob (Dutch) acknowledges half an hour later."""
    reference = await desk.share()
    desk.clock.set(THURSDAY + timedelta(minutes=30))
    await desk.bob.send(ChoiceMade(Sender(desk.bob.address), f"act:ack:{reference}"))
    return reference


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_a_day_before_the_feedback_deadline_the_assignee_is_asked_first_and_may_confirm(
    desk: Desk, language: str
) -> None:
    if language == "nl":
        await desk.anna.script(["/language", "#nl"])
    reference = await acknowledged_by_bob(desk)
    due = THURSDAY + timedelta(minutes=30, days=14)
    heard = len(desk.texts(desk.anna))
    nl = translator("nl")
    ask = nl(FEEDBACK_ASK).format(reference=reference, due="10 december, 11:30")
    assert await desk.run_at(due - timedelta(days=1, minutes=5)) == 0
    await desk.run_at(due - timedelta(hours=23))
    asked = desk.outlet.to(desk.bob.address.user_id)[-1]
    assert asked.text == ask
    assert [c.id for c in asked.choices] == [f"act:still:{reference}", f"act:status:{reference}"]
    assert ask not in desk.texts(desk.cora)  # the assignee is asked, not every coordinator
    assert len(desk.texts(desk.anna)) == heard  # nothing automatic before the deadline
    assert await desk.run_at(due - timedelta(hours=22)) == 0  # asked once
    await desk.bob.pick(f"act:still:{reference}")
    t = translator(language)
    assert desk.texts(desk.anna)[-1] == t(CONFIRMED_OPEN).format(
        reference=reference, due="23 december, 13:30" if language == "nl" else "23 December, 13:30"
    )
    await desk.run_at(due + timedelta(hours=1))  # the deadline moved on: no automatic note
    still = t(STILL_WORKING).format(reference=reference)
    assert still not in desk.texts(desk.anna)


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_without_an_answer_the_automatic_note_says_honestly_there_is_no_update_yet(
    desk: Desk, language: str
) -> None:
    if language == "nl":
        await desk.anna.script(["/language", "#nl"])
    reference = await acknowledged_by_bob(desk)
    due = THURSDAY + timedelta(minutes=30, days=14)
    await desk.run_at(due - timedelta(hours=23))
    await desk.run_at(due + timedelta(minutes=5))
    t = translator(language)
    expected = t(
        "About your concern {reference}: there is no new update from the coordinator yet. It is "
        "still open, and the coordinator has been reminded to let you know how it stands."
    ).format(reference=reference)
    assert desk.texts(desk.anna)[-1] == expected
    assert "still being worked on" not in expected


async def test_a_status_update_to_the_reporter_postpones_the_feedback_reminder(
    desk: Desk,
) -> None:
    reference = await desk.share()
    desk.clock.set(THURSDAY + timedelta(minutes=30))
    await desk.acknowledge(reference)
    desk.clock.set(THURSDAY + timedelta(days=10))
    await desk.cora.send(ChoiceMade(Sender(desk.cora.address), f"act:status:{reference}"))
    await desk.cora.script(
        ["#in_analysis", "We are discussing it with the school.", "#skip", "#yes"]
    )
    assert await desk.run_at(THURSDAY + timedelta(days=14, hours=1)) == 0
    still = translator("en")(STILL_WORKING).format(reference=reference)
    assert still not in desk.texts(desk.anna)
    await desk.run_at(THURSDAY + timedelta(days=24, hours=1))
    assert desk.texts(desk.anna).count(still) == 1


async def test_reminders_post_short_lines_in_the_slack_feed_when_one_is_configured(
    desk_with_feed: Desk,
) -> None:
    desk = desk_with_feed
    acute = await desk.share(ACUTE_SCRIPT)
    normal = await desk.share()
    await desk.run_at(THURSDAY + timedelta(minutes=16))
    await desk.run_at(MONDAY_DEADLINE + timedelta(minutes=5))
    lines = [r for r in desk.slack.sent if r.to == FEED and r.thread is not None]
    escalated = [r for r in lines if r.concern == acute]
    late = [r for r in lines if r.concern == normal]
    t = translator("nl")  # the feed is written in the bot's default language
    assert [r.text for r in escalated] == [t(ESCALATED_LINE)]
    assert [r.text for r in late] == [t(LATE_LINE)]
    assert escalated[0].thread == Thread(f"alert:{acute}")
    for line in lines:
        assert "CANARY" not in line.text


async def test_the_feed_line_for_late_feedback_does_not_name_the_reporter(
    desk_with_feed: Desk,
) -> None:
    desk = desk_with_feed
    reference = await desk.share()
    desk.clock.set(THURSDAY + timedelta(minutes=30))
    await desk.acknowledge(reference)
    await desk.run_at(THURSDAY + timedelta(days=14, hours=1))
    lines = [r.text for r in desk.slack.sent if r.concern == reference]
    assert translator("nl")(FEEDBACK_LINE) in lines
    assert all("anna" not in line and desk.anna.member.pseudonym not in line for line in lines)


async def test_reminder_text_for_the_reporter_is_in_their_language(desk: Desk) -> None:
    await desk.anna.script(["/language", "#nl"])
    reference = await desk.share()
    desk.clock.set(THURSDAY + timedelta(minutes=30))
    await desk.acknowledge(reference)
    await desk.run_at(THURSDAY + timedelta(days=14, hours=1))
    expected = translator("nl")(STILL_WORKING).format(reference=reference)
    assert expected != translator("en")(STILL_WORKING).format(reference=reference)
    assert expected in desk.texts(desk.anna)


async def test_backup_coordinators_on_slack_get_the_escalation_in_person_beside_the_feed(
    desk_with_feed: Desk,
) -> None:
    desk = desk_with_feed
    eva = await join(desk.app, desk.slack, "T0001:U0EVA", Role.COORDINATOR)
    await desk.deliverer.deliver_due()
    eva.deliverer = desk.deliverer
    await eva.say("/backup on")
    reference = await desk.share(ACUTE_SCRIPT)
    await desk.run_at(THURSDAY + timedelta(minutes=16))
    to_eva = [r.text for r in desk.slack.to("T0001:U0EVA")]
    assert escalations(to_eva, reference, "en") != []
    # The ordinary re-alert for coordinators on Slack is the line in the feed, not a message.
    assert reminded(to_eva, reference) == []


async def test_an_assignee_on_slack_is_reminded_in_person_of_overdue_feedback(
    desk_with_feed: Desk,
) -> None:
    desk = desk_with_feed
    eva = await join(desk.app, desk.slack, "T0001:U0EVA", Role.COORDINATOR)
    eva.deliverer = desk.deliverer
    reference = await desk.share()
    desk.clock.set(THURSDAY + timedelta(minutes=30))
    await eva.send(ChoiceMade(Sender(eva.address), f"act:ack:{reference}"))
    await desk.run_at(THURSDAY + timedelta(days=14, hours=1))
    late = translator("en")(FEEDBACK_LATE).format(reference=reference)
    assert [r.text for r in desk.slack.to("T0001:U0EVA")].count(late) == 1


WEST = """

[[networks]]
id = "west"
name = "Netwerk West"

[[networks.organisations]]
id = "west-school"
name = "School West"
"""


async def test_slack_coordinators_of_a_network_without_a_feed_are_alerted_and_reminded(
    tmp_path: Path, clock: FakeClock
) -> None:
    config = tmp_path / "two-networks.toml"
    config.write_text((ROOT / "config.example.toml").read_text(encoding="utf-8") + WEST)
    settings = example_settings(tmp_path / "west.db", config)
    environ = {"SLACK_BOT_TOKEN": "xoxb-made-up"}  # only the demo network has an alert channel
    app = await bootstrap(
        settings, clock=clock, cipher=fixed_cipher(), environ=environ, channels=REGISTRY
    )
    try:
        console, slack = RecordingOutlet(), RecordingOutlet("slack")
        deliverer = Deliverer(app.uow, {"console": console, "slack": slack}, clock, settings.outbox)
        async with app.uow() as uow:
            for name, address, role in (
                ("wes", Address("console", "wes"), Role.REPORTER),
                ("wim", Address("slack", "T0001:U0WIM"), Role.COORDINATOR),
            ):
                member = Member(None, "west", "west-school", role, "en", name, name, THURSDAY)
                await uow.members.add(member, address)
            await uow.commit()
        async with app.uow() as uow:
            wes = await uow.members.by_address(Address("console", "wes"))
        assert wes is not None
        chat = Chat(app, console, deliverer, wes)
        await chat.script(SHARE_SCRIPT)
        alerts = [r.text for r in slack.to("T0001:U0WIM")]
        assert len(alerts) == 1
        assert alerts[0].startswith("New concern shared")

        clock.set(MONDAY_DEADLINE + timedelta(minutes=5))
        await Scheduler(app.uow, settings, clock, app.feeds).run("reminders")
        await deliverer.deliver_due()
        texts = [r.text for r in slack.to("T0001:U0WIM")]
        assert len(texts) == 2
        assert texts[1].startswith("Reminder: ")
        assert [r for r in slack.sent if r.to.channel == "slack" and ":" not in r.to.user_id] == []
    finally:
        await app.close()
