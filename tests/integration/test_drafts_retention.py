"""Unfinished drafts (one reminder, then deletion) and retention (everything in scope goes, with
every copy the bot made; nothing else is touched)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import ColumnElement, func, select

from adapters.registry import REGISTRY
from bot.app.composition import App, bootstrap
from bot.channels.events import Address, ChoiceMade, Sender
from bot.channels.replies import Outgoing, Removal, Reply
from bot.delivery.worker import Deliverer
from bot.domain.deadlines import acknowledge_due, feedback_due
from bot.domain.model import Concern, Mode, Outcome, Role, Status
from bot.domain.reference import new_reference
from bot.i18n import translator
from bot.scheduling.jobs.drafts import DELETED, REMINDER
from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings
from bot.storage.tables import (
    access_log,
    concerns,
    metadata,
    outbox,
    posted_messages,
    processed_events,
    questions,
    status_changes,
    usefulness,
)
from bot.testing import (
    SHARE_SCRIPT,
    Chat,
    FakeClock,
    RecordingOutlet,
    example_settings,
    fixed_cipher,
    join,
)

START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
FEED = Address("slack", "C0000000000")  # the demo network's alert channel in the example config
RETENTION = timedelta(days=365)  # the example configuration's retention_days
# Retention runs daily at 03:30 Amsterdam time; a run later that day is the run of this slot.
RETENTION_SLOT = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)


@dataclass
class PostingOutlet:
    """Records what it delivers and answers like a platform: with the posted message's id."""

    name: str
    sent: list[Reply] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)

    async def send(self, reply: Outgoing) -> str | None:
        """Record ``reply``; a posted message gets an id like Slack's ``ts``."""
        if not isinstance(reply, Reply):
            if isinstance(reply, Removal):
                self.removals.append(reply)
            return None
        self.sent.append(reply)
        edited = reply.placement.ref if reply.placement and reply.placement.edit else None
        return edited or f"1700000000.{len(self.sent):06d}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return example_settings(tmp_path / "drafts.db")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@dataclass
class Office:
    """A reporter and a coordinator on the console; the network's feed on Slack."""

    app: App
    clock: FakeClock
    outlet: RecordingOutlet
    slack: PostingOutlet
    anna: Chat
    cora: Chat
    deliverer: Deliverer
    scheduler: Scheduler = field(init=False)

    def __post_init__(self) -> None:
        self.scheduler = Scheduler(self.app.uow, self.app.settings, self.clock, self.app.feeds)

    async def run(self, job: str, moment: datetime) -> int:
        """Run ``job`` as of ``moment`` (the clock moved there); deliver; count its messages."""
        self.clock.set(moment)
        run = await self.scheduler.run(job)
        assert run.ran
        await self.deliverer.deliver_due()
        return run.messages

    def texts(self, chat: Chat) -> list[str]:
        """Everything delivered to ``chat``'s member."""
        return [r.text for r in self.outlet.to(chat.address.user_id)]

    async def press(self, chat: Chat, choice_id: str) -> list[Reply]:
        """``chat``'s member presses a button with this id."""
        return await chat.send(ChoiceMade(Sender(chat.address), choice_id))

    async def share(self) -> str:
        """Anna shares a concern through the dialog; returns its reference."""
        replies = await self.anna.script(SHARE_SCRIPT)
        line = next(line for r in replies for line in r.text.splitlines() if "Reference:" in line)
        return line.split("Reference:")[1].strip()


@pytest.fixture
async def office(settings: Settings, clock: FakeClock) -> AsyncIterator[Office]:
    environ = {"SLACK_BOT_TOKEN": "xoxb-made-up"}
    app = await bootstrap(
        settings, clock=clock, cipher=fixed_cipher(), environ=environ, channels=REGISTRY
    )
    outlet = RecordingOutlet()
    slack = PostingOutlet("slack")
    anna = await join(app, outlet, "anna")
    cora = await join(app, outlet, "cora", Role.COORDINATOR)
    deliverer = Deliverer(app.uow, {"console": outlet, "slack": slack}, clock, settings.outbox)
    anna.deliverer = cora.deliverer = deliverer
    yield Office(app, clock, outlet, slack, anna, cora, deliverer)
    await app.close()


REMINDER_EN = translator("en")(REMINDER).format(duration="24 hours")
DELETED_EN = translator("en")(DELETED).format(duration="24 hours")


async def start_draft(office: Office) -> None:
    """Anna starts sharing and writes what she saw, then walks away."""
    await office.anna.script(SHARE_SCRIPT[:4])
    async with office.app.uow() as uow:
        assert office.anna.member.id is not None
        assert await uow.dialogs.load(office.anna.member.id) is not None


async def draft_of(office: Office) -> object:
    async with office.app.uow() as uow:
        assert office.anna.member.id is not None
        return await uow.dialogs.load(office.anna.member.id)


# Drafts


async def test_a_draft_left_for_fifty_nine_minutes_gets_nothing(office: Office) -> None:
    await start_draft(office)
    assert await office.run("drafts", START + timedelta(minutes=59)) == 0
    assert REMINDER_EN not in office.texts(office.anna)


async def test_a_draft_left_for_sixty_one_minutes_gets_one_reminder(office: Office) -> None:
    await start_draft(office)
    assert await office.run("drafts", START + timedelta(minutes=61)) == 1
    assert office.texts(office.anna).count(REMINDER_EN) == 1
    assert await draft_of(office) is not None


async def test_the_reminder_is_not_repeated_two_hours_later(office: Office) -> None:
    await start_draft(office)
    await office.run("drafts", START + timedelta(minutes=61))
    for minutes in (66, 120, 600, 23 * 60):
        assert await office.run("drafts", START + timedelta(minutes=minutes)) == 0
    assert office.texts(office.anna).count(REMINDER_EN) == 1


async def test_after_a_day_the_draft_is_gone_and_the_reporter_is_told(office: Office) -> None:
    await start_draft(office)
    await office.run("drafts", START + timedelta(minutes=61))
    assert await office.run("drafts", START + timedelta(hours=24, minutes=1)) == 1
    assert await draft_of(office) is None
    assert office.texts(office.anna)[-1] == DELETED_EN
    # The conversation is really over: a new line finds no question pending.
    replies = await office.anna.say("a pupil said something")
    assert "I am not asking you anything right now" in replies[-1].text
    assert (await table_counts(office.app))["concerns"] == 0


async def test_the_deletion_is_said_once(office: Office) -> None:
    await start_draft(office)
    await office.run("drafts", START + timedelta(hours=24, minutes=1))
    await office.run("drafts", START + timedelta(hours=24, minutes=6))
    assert office.texts(office.anna).count(DELETED_EN) == 1


async def test_a_draft_that_was_continued_is_not_expired_from_its_start_time(
    office: Office,
) -> None:
    await start_draft(office)
    await office.run("drafts", START + timedelta(minutes=61))
    office.clock.set(START + timedelta(hours=23))
    await office.anna.pick("done")  # continues: the next question is asked
    assert await office.run("drafts", START + timedelta(hours=24, minutes=5)) == 0
    assert await draft_of(office) is not None
    assert DELETED_EN not in office.texts(office.anna)
    # A day after it was last touched, it goes.
    assert await office.run("drafts", START + timedelta(hours=47, minutes=5)) == 1
    assert await draft_of(office) is None
    assert office.texts(office.anna).count(DELETED_EN) == 1


async def test_a_dutch_reporter_is_reminded_in_dutch(office: Office) -> None:
    await office.anna.script(["/language", "#nl"])
    await start_draft(office)
    await office.run("drafts", START + timedelta(minutes=61))
    assert office.texts(office.anna)[-1] == translator("nl")(REMINDER).format(duration="24 uur")
    assert translator("nl")(REMINDER) != translator("en")(REMINDER)


async def test_other_unfinished_dialogs_expire_without_a_message(office: Office) -> None:
    await office.anna.say("/digest")  # a settings question, left unanswered
    before = len(office.texts(office.anna))
    await office.run("drafts", START + timedelta(minutes=61))
    await office.run("drafts", START + timedelta(hours=24, minutes=1))
    assert len(office.texts(office.anna)) == before
    assert await draft_of(office) is None


# Retention


async def add_closed(
    office: Office, closed: datetime | None, created: datetime | None = None
) -> Concern:
    """Store a concern with a question, an answer and a usefulness answer, closed at
    ``closed`` (``None``: still open)."""
    created = created or (closed or START) - timedelta(days=3)
    assert office.anna.member.id is not None
    assert office.cora.member.id is not None
    deadlines = office.app.settings.deadlines
    concern = Concern(
        id=None,
        reference=new_reference(),
        network_id="demo",
        organisation_id="jongerenwerk-noord",
        reporter_id=office.anna.member.id,
        mode=Mode.SHARE,
        subject="group",
        age_band="12_15",
        setting="school",
        source="colleague",
        urgency="soon",
        acute=False,
        contact_allowed=True,
        identity_shown=False,
        actions_taken=("informed_manager",),
        facts="CANARY-RETENTION facts",
        interpretation="CANARY-RETENTION interpretation",
        counter_signals="",
        created_at=created,
        acknowledge_due=acknowledge_due(created, False, deadlines),
        feedback_due=feedback_due(created, deadlines),
    )
    concern.acknowledge(office.cora.member.id, created + timedelta(hours=1))
    if closed is not None:
        concern.move_to(
            Status.CLOSED, office.cora.member.id, closed, Outcome.REFERRED, "CANARY-RETENTION note"
        )
    async with office.app.uow() as uow:
        await uow.concerns.add(concern)
        assert concern.id is not None
        question = await uow.questions.add(
            concern.id, office.cora.member.id, "CANARY-RETENTION question", created
        )
        await uow.questions.answer(question, "CANARY-RETENTION answer", created)
        if closed is not None:
            await uow.usefulness.record(concern.id, "demo", "partly", closed)
            await uow.usefulness.add_remark(concern.id, "CANARY-RETENTION remark")
        await uow.posted.record(
            FEED, f"alert:{concern.reference}", "1.1", concern.reference, created
        )
        await uow.commit()
    return concern


async def table_counts(app: App) -> dict[str, int]:
    """The number of rows in every table."""
    async with app.engine.connect() as connection:
        return {
            table.name: int(
                (await connection.execute(select(func.count()).select_from(table))).scalar_one()
            )
            for table in metadata.sorted_tables
        }


async def rows_about(app: App, concern_id: int, reference: str) -> dict[str, int]:
    """How many rows each table holds about one concern."""
    async with app.engine.connect() as connection:

        async def count(column: ColumnElement[Any], value: object) -> int:
            query = select(func.count()).where(column == value)
            return int((await connection.execute(query)).scalar_one())

        return {
            "concerns": await count(concerns.c.id, concern_id),
            "status_changes": await count(status_changes.c.concern_id, concern_id),
            "questions": await count(questions.c.concern_id, concern_id),
            "usefulness": await count(usefulness.c.concern_id, concern_id),
            "posted_messages": await count(posted_messages.c.concern_reference, reference),
        }


async def test_retention_deletes_only_concerns_closed_longer_ago_than_the_period(
    office: Office,
) -> None:
    now = RETENTION_SLOT
    expired = [
        await add_closed(office, now - RETENTION - timedelta(days=40)),
        await add_closed(office, now - RETENTION - timedelta(minutes=1)),
    ]
    kept = [
        await add_closed(office, now - RETENTION + timedelta(minutes=1)),
        await add_closed(office, now - timedelta(days=10)),
        await add_closed(office, None, created=now - timedelta(days=800)),  # open: never
    ]
    about = {c.reference: await rows_about(office.app, c.id or 0, c.reference) for c in kept}
    before = await table_counts(office.app)

    await office.run("retention", now + timedelta(hours=7))

    for concern in expired:
        assert await rows_about(office.app, concern.id or 0, concern.reference) == {
            "concerns": 0,
            "status_changes": 0,
            "questions": 0,
            "usefulness": 0,
            "posted_messages": 0,
        }
    for concern in kept:
        assert (
            await rows_about(office.app, concern.id or 0, concern.reference)
            == (about[concern.reference])
        )
    after = await table_counts(office.app)
    changed = {name: after[name] - before[name] for name in after if after[name] != before[name]}
    assert changed == {
        "concerns": -2,
        "status_changes": -4,  # acknowledged and closed, for each
        "questions": -2,
        "usefulness": -2,
        "posted_messages": -2,
        "access_log": 2,
        "job_runs": 1,
        "outbox": 4,  # the removals of the two alerts and the reporter's two notices, delivered now
    }


async def test_each_deletion_leaves_an_access_log_row_without_content(office: Office) -> None:
    old = await add_closed(office, START - RETENTION - timedelta(days=1))
    await office.run("retention", START)
    async with office.app.uow() as uow:
        entries = await uow.access_log.entries(old.reference)
    deletions = [e for e in entries if e.action == "delete"]
    assert len(deletions) == 1
    entry = deletions[0]
    assert (entry.outcome, entry.actor_member_id, entry.on_behalf_of) == (
        "retention",
        None,
        "scheduler",
    )
    assert entry.at.date() == START.date()
    async with office.app.engine.connect() as connection:
        rows = (await connection.execute(select(access_log))).all()
    assert all("CANARY" not in str(value) for row in rows for value in row)


async def test_retention_removes_the_slack_messages_posted_about_a_deleted_concern(
    office: Office,
) -> None:
    reference = await office.share()
    await office.press(office.cora, f"act:ack:{reference}")
    await office.press(office.cora, f"act:ask:{reference}")
    await office.cora.say("Were other pupils present?")
    question = office.outlet.to("anna")[-1]
    await office.press(office.anna, question.choices[0].id)
    await office.anna.say("Yes, two classmates.")
    await office.press(office.cora, f"act:status:{reference}")
    await office.cora.script(["#closed", "#referred", "#skip", "#skip", "#yes"])
    await office.anna.pick("Yes")
    await office.anna.say("It helped to hear back.")
    async with office.app.uow() as uow:
        posted = await uow.posted.of_concern(reference)
        concern = await uow.concerns.by_reference(reference)
    assert concern is not None
    assert concern.id is not None
    assert {p.address for p in posted} == {FEED}
    assert len(posted) >= 4  # the alert and a thread line for each step
    lines = await rows_about(office.app, concern.id, reference)
    assert lines["questions"] == 1
    assert lines["usefulness"] == 1

    assert await office.run("retention", START + RETENTION - timedelta(hours=1)) == 0
    assert office.slack.removals == []
    # The removal from the feed, and the reporter's notice that the concern is erased.
    assert await office.run("retention", START + RETENTION + timedelta(days=1)) == 2
    assert len(office.slack.removals) == 1
    removal = office.slack.removals[0]
    assert removal.to == FEED
    assert sorted(removal.message_ids) == sorted(p.message_id for p in posted)
    assert await rows_about(office.app, concern.id, reference) == dict.fromkeys(lines, 0)


async def test_a_second_retention_run_the_same_day_does_nothing(office: Office) -> None:
    await add_closed(office, START - RETENTION - timedelta(days=1))
    assert await office.run("retention", START) == 2  # the removal and the reporter's notice
    office.clock.set(START + timedelta(hours=3))
    run = await office.scheduler.run("retention")
    assert not run.ran


async def outbox_row(app: App, created: datetime, sent: datetime | None, dead: bool = False) -> int:
    async with app.uow() as uow:
        item = await uow.outbox.add(Reply(Address("console", "anna"), "hello"), created)
        if sent is not None:
            await uow.outbox.mark_sent(item, sent)
        if dead:
            await uow.outbox.mark_dead(item, 8, "DeliveryError")
        await uow.commit()
    return item


async def test_delivered_outbox_rows_older_than_seven_days_are_purged(office: Office) -> None:
    now = START + timedelta(days=30)
    old_sent = await outbox_row(office.app, now - timedelta(days=9), now - timedelta(days=8))
    recent_sent = await outbox_row(office.app, now - timedelta(days=9), now - timedelta(days=6))
    old_pending = await outbox_row(office.app, now - timedelta(days=20), None)
    old_dead = await outbox_row(office.app, now - timedelta(days=31), None, dead=True)
    recent_dead = await outbox_row(office.app, now - timedelta(days=20), None, dead=True)
    async with office.app.uow() as uow:
        await uow.events.first_time("telegram", "old-update", now - timedelta(days=8))
        await uow.events.first_time("telegram", "new-update", now - timedelta(days=1))
        await uow.commit()

    office.clock.set(now)
    await office.scheduler.run("retention")  # not delivered: the pending row stays as it is

    async with office.app.engine.connect() as connection:
        ids = set((await connection.execute(select(outbox.c.id))).scalars())
        events = set((await connection.execute(select(processed_events.c.event_id))).scalars())
    assert old_sent not in ids
    assert old_dead not in ids
    assert {recent_sent, old_pending, recent_dead} <= ids
    assert events == {"new-update"}
