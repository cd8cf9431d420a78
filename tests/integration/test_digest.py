"""The trend digest end to end: seeded concerns, real SQLite files, the fake clock, the outbox."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.app.composition import App
from bot.channels.replies import Reply
from bot.conversation.cards import reporter_line
from bot.delivery.worker import Deliverer
from bot.domain.deadlines import acknowledge_due, feedback_due
from bot.domain.model import Concern, Mode, Outcome, Role, Status
from bot.domain.reference import new_reference
from bot.domain.vocabulary import OUTCOMES, SETTINGS, SUBJECTS
from bot.i18n import translator
from bot.scheduling.jobs.digest import WEEK, digest_data
from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings
from bot.share_script import share_path
from bot.storage.stats import PeriodCounts
from bot.testing import (
    Chat,
    FakeClock,
    RecordingOutlet,
    example_settings,
    join,
    start_app,
)

# The example configuration sends the digest on Mondays at 08:00 Amsterdam time (07:00 UTC in
# winter). The slot below covers the week [2026-11-23 07:00, 2026-11-30 07:00) UTC.
SLOT = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
PERIOD_START = SLOT - timedelta(days=7)
SHARE_TIME = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
FIRST_MONDAY_OF_DECEMBER = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
NOTE = "More talk about the conflict abroad in schools and youth clubs."
OLD_NOTE = "Quiet weeks in the south of the city."
CANARIES = ("CANARY", "testing limits", "secret-interpretation", "secret-counter")


def share_script(subject: str = "person", setting: str = "school") -> list[str]:
    """The standard share conversation about ``subject`` in ``setting``."""
    return list(share_path(subject=subject, setting=setting).lines())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return example_settings(tmp_path / "digest.db")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SHARE_TIME)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    app = await start_app(settings, clock)
    yield app
    await app.close()


@dataclass
class Network:
    """Members of the demo network talking to the bot through one recording outlet."""

    app: App
    clock: FakeClock
    outlet: RecordingOutlet
    anna: Chat  # reporter, Dutch, weekly
    ben: Chat  # reporter, English, weekly
    carl: Chat  # reporter, English, digest off
    dora: Chat  # reporter, English, monthly
    cora: Chat  # coordinator, English, weekly

    @property
    def deliverer(self) -> Deliverer:
        """Delivers everything on the recording outlet."""
        return self.anna.deliverer

    def digests_to(self, chat: Chat) -> list[Reply]:
        """The trend updates delivered to ``chat``'s member."""
        head = translator(chat.member.language)("Trend update for {network}, the past week")
        head = head.split("{network}")[0]
        monthly = translator(chat.member.language)(
            "Trend update for {network}, the past four weeks"
        ).split("{network}")[0]
        return [
            r
            for r in self.outlet.to(chat.address.user_id)
            if r.text.startswith(head) or r.text.startswith(monthly)
        ]


@pytest.fixture
async def network(app: App, clock: FakeClock) -> Network:
    outlet = RecordingOutlet()
    anna = await join(app, outlet, "anna", language="nl")
    ben = await join(app, outlet, "ben")
    carl = await join(app, outlet, "carl")
    dora = await join(app, outlet, "dora")
    cora = await join(app, outlet, "cora", Role.COORDINATOR)
    await carl.script(["/digest", "#off"])
    await dora.script(["/digest", "#monthly"])
    return Network(app, clock, outlet, anna, ben, carl, dora, cora)


async def add_concern(
    app: App,
    reporter: Chat,
    created: datetime,
    subject: str = "person",
    setting: str = "school",
    acknowledged: datetime | None = None,
    closed: tuple[datetime, Outcome] | None = None,
    by: Chat | None = None,
) -> Concern:
    """Store a concern as the domain sees it, optionally acknowledged and closed by ``by``."""
    deadlines = app.settings.deadlines
    assert reporter.member.id is not None
    concern = Concern(
        id=None,
        reference=new_reference(),
        network_id=reporter.member.network_id,
        organisation_id=reporter.member.organisation_id,
        reporter_id=reporter.member.id,
        mode=Mode.SHARE,
        subject=subject,
        age_band="16_17",
        setting=setting,
        source="own_observation",
        urgency="week",
        acute=False,
        contact_allowed=True,
        identity_shown=False,
        actions_taken=(),
        facts=f"CANARY-{subject}-{setting}: something was said in a hallway.",
        interpretation="secret-interpretation of the reporter",
        counter_signals="secret-counter signals",
        created_at=created,
        acknowledge_due=acknowledge_due(created, False, deadlines),
        feedback_due=feedback_due(created, deadlines),
    )
    coordinator = by.member.id if by is not None else None
    if acknowledged is not None:
        assert coordinator is not None
        concern.acknowledge(coordinator, acknowledged)
    if closed is not None:
        assert coordinator is not None
        concern.move_to(Status.CLOSED, coordinator, closed[0], closed[1])
    async with app.uow() as uow:
        await uow.concerns.add(concern)
        await uow.commit()
    return concern


@dataclass
class Seeded:
    """The network with a week of concerns before ``SLOT`` and a few the week before that."""

    network: Network
    anna_open: str
    anna_closed: str
    ben_open: str


@pytest.fixture
async def seeded(network: Network) -> Seeded:
    """Nine concerns this week (person/school 6, group/youth work 2, online/online 1, closed)
    and three the week before; acknowledged: 7, of which 6 within the deadline."""
    app, clock, carl, cora = network.app, network.clock, network.carl, network.cora
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    previous_week = monday - timedelta(days=7)
    for hours in range(3):
        await add_concern(app, carl, previous_week + timedelta(hours=hours), "incident", "home")
    for hours in range(5):
        created = monday + timedelta(hours=hours)
        await add_concern(app, carl, created, acknowledged=created + timedelta(hours=1), by=cora)
    await add_concern(
        app, carl, monday, "group", "youth_work", acknowledged=monday + timedelta(days=4), by=cora
    )
    closed = await add_concern(
        app,
        network.anna,
        monday,
        "online",
        "online",
        closed=(monday + timedelta(hours=2), Outcome.ADVICE_GIVEN),
        by=cora,
    )
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    await cora.say(f"/note {OLD_NOTE}")
    clock.set(SHARE_TIME)
    await network.anna.script(share_script("person", "school"))
    await network.ben.script(share_script("group", "youth_work"))
    await cora.say(f"/note {NOTE}")
    async with app.uow() as uow:
        assert network.anna.member.id is not None
        assert network.ben.member.id is not None
        anna_open = [c for c in await uow.concerns.of_reporter(network.anna.member.id) if c.is_open]
        ben_open = await uow.concerns.of_reporter(network.ben.member.id)
    return Seeded(network, anna_open[0].reference, closed.reference, ben_open[0].reference)


async def run_digest(network: Network, at: datetime = SLOT) -> None:
    """Run the digest for the slot of ``at`` (the clock moved there) and deliver it."""
    network.clock.set(max(at, network.clock.now()))
    await Scheduler(network.app.uow, network.app.settings, network.clock).run("digest", at)
    await network.deliverer.deliver_due()


def network_part(text: str, language: str) -> str:
    """The aggregate part of a digest: before the personal part and the closing hint."""
    t = translator(language)
    for marker in (t("Your open concerns:"), t("/digest changes how often you receive this.")):
        text = text.split(marker)[0]
    return text


def count_of(text: str, label: str) -> str:
    """What a digest line ``• {label}: {count}`` shows as the count."""
    found = re.search(rf"^• {re.escape(label)}: (.+)$", text, re.MULTILINE)
    assert found is not None, f"no line for {label!r} in:\n{text}"
    return found.group(1)


async def test_each_weekly_subscriber_gets_exactly_one_digest_in_their_own_language(
    seeded: Seeded,
) -> None:
    network = seeded.network
    await run_digest(network)
    for chat in (network.anna, network.ben, network.cora):
        assert len(network.digests_to(chat)) == 1
    assert network.digests_to(network.anna)[0].text.startswith(
        "Trendoverzicht voor Netwerk Polarisatie Demostad, de afgelopen week"
    )
    assert network.digests_to(network.ben)[0].text.startswith(
        "Trend update for Netwerk Polarisatie Demostad, the past week"
    )


async def test_the_counts_match_the_seeded_concerns_and_counts_below_five_are_hidden(
    seeded: Seeded,
) -> None:
    network = seeded.network
    await run_digest(network)
    text = network_part(network.digests_to(network.ben)[0].text, "en")
    t = translator("en")
    assert "9 concerns were shared, more than the period before (fewer than 5)." in text
    assert count_of(text, t(SUBJECTS["person"])) == "6"
    for subject in ("group", "incident", "online"):
        assert f"• {t(SUBJECTS[subject])}:" not in text
    assert count_of(text, t(SETTINGS["school"])) == "6"
    for setting in SETTINGS.keys() - {"school"}:
        assert f"• {t(SETTINGS[setting])}:" not in text
    assert text.count("• and fewer than 5 in other categories") == 2
    # 6 of 7 in time would give away the one late acknowledgement by subtraction.
    assert "Acknowledged: 7; how many within the deadline is not shown" in text
    assert "Closed, by outcome: fewer than 5" in text
    for outcome in OUTCOMES:
        assert f"• {t(OUTCOMES[outcome])}:" not in text


async def test_the_exact_small_numbers_appear_nowhere_in_the_aggregates(seeded: Seeded) -> None:
    network = seeded.network
    await run_digest(network)
    for chat in (network.anna, network.ben, network.cora):
        text = network_part(network.digests_to(chat)[0].text, chat.member.language)
        assert set(re.findall(r"\d+", text)) == {"9", "6", "7", "5"}, text


async def test_the_dutch_digest_says_fewer_than_five_in_dutch(seeded: Seeded) -> None:
    network = seeded.network
    await run_digest(network)
    text = network_part(network.digests_to(network.anna)[0].text, "nl")
    t = translator("nl")
    assert count_of(text, t(SUBJECTS["person"])) == "6"
    assert "• en minder dan 5 in andere categorieën" in text
    assert "Er zijn 9 zorgen gedeeld, meer dan in de periode daarvoor (minder dan 5)." in text
    assert "fewer than" not in text


async def test_the_threshold_is_the_networks_own_k(
    seeded: Seeded, settings: Settings, clock: FakeClock
) -> None:
    strict = dataclasses.replace(
        settings,
        networks=tuple(dataclasses.replace(n, digest_threshold=7) for n in settings.networks),
    )
    network = seeded.network
    await Scheduler(network.app.uow, strict, clock).run("digest", SLOT)
    await network.deliverer.deliver_due()
    text = network_part(network.digests_to(network.ben)[0].text, "en")
    assert "9 concerns were shared, more than the period before (fewer than 7)." in text
    assert "By kind: 9 in all, not broken down" in text
    assert "• One young person" not in text
    assert "Acknowledged: 7; how many within the deadline is not shown" in text


async def test_trend_notes_of_the_period_appear_and_older_ones_do_not(seeded: Seeded) -> None:
    network = seeded.network
    await run_digest(network)
    for chat in (network.anna, network.ben, network.cora):
        text = network.digests_to(chat)[0].text
        assert f"• {NOTE}" in text
        assert OLD_NOTE not in text


async def test_the_personal_part_lists_the_members_own_open_concerns_only(
    seeded: Seeded,
) -> None:
    network = seeded.network
    await run_digest(network)
    anna = network.digests_to(network.anna)[0].text
    ben = network.digests_to(network.ben)[0].text
    cora = network.digests_to(network.cora)[0].text
    assert "Je openstaande zorgen:" in anna
    assert seeded.anna_open in anna
    assert seeded.anna_closed not in anna
    assert seeded.ben_open not in anna
    assert "Your open concerns:" in ben
    assert seeded.ben_open in ben
    assert seeded.anna_open not in ben
    assert "Your open concerns:" not in cora


async def test_members_with_the_digest_off_get_nothing(seeded: Seeded) -> None:
    network = seeded.network
    before = len(network.outlet.to("carl"))
    await run_digest(network)
    assert network.outlet.to("carl")[before:] == []


async def test_monthly_subscribers_get_a_four_week_digest_only_in_the_first_week_of_a_month(
    seeded: Seeded,
) -> None:
    network = seeded.network
    await run_digest(network, SLOT)
    assert network.digests_to(network.dora) == []
    await run_digest(network, FIRST_MONDAY_OF_DECEMBER)
    monthly = network.digests_to(network.dora)
    assert len(monthly) == 1
    assert monthly[0].text.startswith(
        "Trend update for Netwerk Polarisatie Demostad, the past four"
    )
    # The four weeks before 7 December hold the twelve concerns shared since 9 November.
    assert "12 concerns were shared, more than the period before (fewer than 5)." in monthly[0].text
    await run_digest(network, FIRST_MONDAY_OF_DECEMBER + timedelta(days=7))
    assert len(network.digests_to(network.dora)) == 1
    assert len(network.digests_to(network.ben)) == 3


async def test_a_restart_across_a_slot_sends_each_digest_exactly_once(
    seeded: Seeded, settings: Settings, clock: FakeClock
) -> None:
    network = seeded.network
    clock.set(SLOT + timedelta(minutes=1))
    first = await Scheduler(network.app.uow, settings, clock).run("digest")
    assert first.ran
    assert first.messages == 3
    await network.app.close()  # the process stops before the outbox is delivered

    restarted = await start_app(settings, clock)
    try:
        again = await Scheduler(restarted.uow, settings, clock).run("digest", SLOT)
        assert not again.ran
        assert again.period == first.period
        deliverer = Deliverer(restarted.uow, {"console": network.outlet}, clock, settings.outbox)
        await deliverer.deliver_due()
    finally:
        await restarted.close()
    for chat in (network.anna, network.ben, network.cora):
        assert len(network.digests_to(chat)) == 1


async def test_catch_up_runs_a_missed_slot_once_and_a_second_catch_up_does_nothing(
    seeded: Seeded, settings: Settings, clock: FakeClock
) -> None:
    network = seeded.network
    clock.set(SLOT + timedelta(hours=5))  # the bot was down at 08:00
    runs = {run.job: run for run in await Scheduler(network.app.uow, settings, clock).catch_up()}
    assert runs["digest"].ran
    assert runs["digest"].period == "2026-11-30T07:00Z"
    await network.deliverer.deliver_due()

    restarted = await start_app(settings, clock)
    try:
        later = await Scheduler(restarted.uow, settings, clock).catch_up()
    finally:
        await restarted.close()
    assert [run for run in later if run.ran] == []
    await network.deliverer.deliver_due()
    for chat in (network.anna, network.ben, network.cora):
        assert len(network.digests_to(chat)) == 1


async def test_catch_up_with_nothing_missed_sends_nothing_new(
    seeded: Seeded, settings: Settings, clock: FakeClock
) -> None:
    network = seeded.network
    await run_digest(network)
    clock.set(SLOT + timedelta(days=3))
    runs = await Scheduler(network.app.uow, settings, clock).catch_up()
    assert [run.job for run in runs if run.ran] == ["retention"]
    await network.deliverer.deliver_due()
    assert len(network.digests_to(network.ben)) == 1


async def test_no_free_text_from_any_account_appears_in_any_digest(seeded: Seeded) -> None:
    network = seeded.network
    await run_digest(network)
    await run_digest(network, FIRST_MONDAY_OF_DECEMBER)
    digests: Sequence[Reply] = [
        r
        for chat in (network.anna, network.ben, network.dora, network.cora)
        for r in network.digests_to(chat)
    ]
    assert len(digests) == 7
    for digest in digests:
        for canary in CANARIES:
            assert canary not in digest.text


async def test_the_week_is_cut_at_the_slot_moment_not_at_its_wall_clock_time(
    network: Network, settings: Settings, clock: FakeClock
) -> None:
    # The slot is 08:00 in Amsterdam, 07:00 UTC: these are inside the week by minutes ...
    inside = (PERIOD_START + timedelta(minutes=1), SLOT - timedelta(minutes=1))
    # ... and these just outside it.
    outside = (PERIOD_START - timedelta(minutes=1), SLOT + timedelta(minutes=1))
    for moment in inside:
        await add_concern(network.app, network.carl, moment, "person", "school")
    for moment in outside:
        await add_concern(network.app, network.carl, moment, "online", "online")
    exact = dataclasses.replace(
        settings,
        networks=tuple(dataclasses.replace(n, digest_threshold=1) for n in settings.networks),
    )
    clock.set(SLOT + timedelta(minutes=2))
    await Scheduler(network.app.uow, exact, clock).run("digest")
    await network.deliverer.deliver_due()
    text = network.digests_to(network.ben)[0].text
    assert "2 concerns were shared, more than the period before (1)." in text
    assert count_of(text, "One young person") == "2"
    assert count_of(text, "Online content") == "0"  # a threshold of 1 hides nothing


# --- the queries behind the digest --------------------------------------------------------------


def expected_counts(
    created: Sequence[Concern], answers: Sequence[tuple[datetime, str]], start: datetime
) -> PeriodCounts:
    """The period's counts, worked out one concern at a time from the domain objects."""
    counts = PeriodCounts()
    for concern in created:
        if start - WEEK <= concern.created_at < start:
            counts.previous_total += 1
        elif start <= concern.created_at < SLOT:
            counts.subjects[concern.subject] += 1
            counts.settings[concern.setting] += 1
            if concern.acknowledged_at is not None:
                counts.acknowledged += 1
                counts.acknowledged_in_time += concern.acknowledged_at <= concern.acknowledge_due
        if concern.closed_at is not None and start <= concern.closed_at < SLOT:
            assert concern.outcome is not None
            counts.outcomes[concern.outcome.value] += 1
    counts.useful.update(answer for at, answer in answers if start <= at < SLOT)
    return counts


async def test_the_period_counts_equal_counting_the_concerns_one_by_one_edges_included(
    network: Network,
) -> None:
    rng = random.Random(8)
    app, cora = network.app, network.cora
    edges = [PERIOD_START - WEEK, PERIOD_START, SLOT]
    moments = [e + timedelta(minutes=m) for e in edges for m in (-1, 0, 1)]
    moments += [PERIOD_START + timedelta(hours=rng.uniform(-200, 180)) for _ in range(30)]
    created: list[Concern] = []
    answers: list[tuple[datetime, str]] = []
    for index, moment in enumerate(moments):
        acknowledged = moment + timedelta(hours=rng.choice((1, 30, 70))) if index % 4 else None
        closed = None
        if acknowledged is not None and rng.random() < 0.6:
            # Some close exactly on the period's edges.
            at = edges[index % 3] if index % 5 == 0 else acknowledged + timedelta(hours=20)
            closed = (at, rng.choice(list(Outcome)))
        concern = await add_concern(
            app,
            network.carl,
            moment,
            rng.choice(list(SUBJECTS)),
            rng.choice(list(SETTINGS)),
            acknowledged=acknowledged,
            closed=closed,
            by=cora,
        )
        created.append(concern)
        if closed is not None and index % 2:
            answer = (
                closed[0] + timedelta(hours=index % 3 - 1),
                rng.choice(("yes", "partly", "no")),
            )
            answers.append(answer)
            async with app.uow() as uow:
                assert concern.id is not None
                await uow.usefulness.record(concern.id, concern.network_id, answer[1], answer[0])
                await uow.commit()

    async with app.uow() as uow:
        counts = await uow.stats.period("demo", PERIOD_START - WEEK, PERIOD_START, SLOT)
        data = await digest_data(uow, app.settings.networks[0], SLOT, WEEK)

    assert counts == expected_counts(created, answers, PERIOD_START)
    assert data.subjects == dict(counts.subjects)
    assert data.previous_total == counts.previous_total
    assert data.outcomes == dict(counts.outcomes)
    assert data.useful == dict(counts.useful)


async def test_a_period_without_concerns_counts_nothing(network: Network) -> None:
    async with network.app.uow() as uow:
        counts = await uow.stats.period("demo", PERIOD_START - WEEK, PERIOD_START, SLOT)
    assert counts == PeriodCounts()


def own_part(text: str, language: str) -> str:
    """The personal part of a digest: between its heading and the closing hint."""
    t = translator(language)
    closing = t("/digest changes how often you receive this.")
    return text.split(t("Your open concerns:"))[1].split(closing)[0].strip()


async def test_the_personal_part_shows_each_open_concern_as_status_does_newest_first(
    seeded: Seeded,
) -> None:
    network = seeded.network
    app, cora, anna = network.app, network.cora, network.anna
    assert cora.member.id is not None
    assert anna.member.id is not None
    await add_concern(app, anna, SHARE_TIME - timedelta(days=3), "group", "online")
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(seeded.anna_open)
        assert concern is not None
        at = SHARE_TIME + timedelta(hours=1)
        concern.acknowledge(cora.member.id, at, "We are on it.")
        concern.move_to(Status.IN_ANALYSIS, cora.member.id, at, note="Talked with the school.")
        # A newer step without a note: the newest note that says something is shown.
        concern.move_to(Status.ACTION_TAKEN, cora.member.id, at + timedelta(hours=1))
        await uow.concerns.save(concern)
        await uow.commit()

    await run_digest(network)

    zone = app.settings.bot.timezone
    for chat in (anna, network.ben):
        assert chat.member.id is not None
        async with app.uow() as uow:
            mine = [c for c in await uow.concerns.of_reporter(chat.member.id) if c.is_open]
        t = translator(chat.member.language)
        text = network.digests_to(chat)[0].text
        assert own_part(text, chat.member.language) == "\n".join(
            reporter_line(c, zone, t) for c in mine
        )
    anna_text = network.digests_to(anna)[0].text
    assert "Talked with the school." in anna_text
    assert "We are on it." not in anna_text
    assert len(own_part(anna_text, "nl").split("\n  ")) == 3  # two concerns, two lines each


async def test_open_by_reporter_lists_only_open_concerns_of_the_network_by_reporter(
    seeded: Seeded,
) -> None:
    network = seeded.network
    async with network.app.uow() as uow:
        found = await uow.concerns.open_by_reporter("demo")
        elsewhere = await uow.concerns.open_by_reporter("west")
    assert network.anna.member.id is not None
    assert network.ben.member.id is not None
    assert [c.reference for c in found[network.anna.member.id]] == [seeded.anna_open]
    assert [c.reference for c in found[network.ben.member.id]] == [seeded.ben_open]
    assert elsewhere == {}


@pytest.mark.sqlite_only
async def test_the_digest_queries_seek_their_indexes_instead_of_walking_the_network(
    seeded: Seeded,
) -> None:
    app = seeded.network.app
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    event.listen(app.uow.sync_engine, "before_cursor_execute", record)
    try:
        async with app.uow() as uow:
            await uow.stats.period("demo", PERIOD_START - WEEK, PERIOD_START, SLOT)
            await uow.concerns.open_by_reporter("demo")
            await uow.concerns.open_in_network("demo")  # the reminders' query, same rows
    finally:
        event.remove(app.uow.sync_engine, "before_cursor_execute", record)
    plans = []
    async with app.engine.connect() as connection:
        for statement, params in seen:
            if statement.lstrip().upper().startswith("SELECT"):
                explained = await connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, params
                )
                plans.append(" | ".join(str(row[-1]) for row in explained))
    plan = "\n".join(plans)
    for index in (
        "ix_concerns_network_created (network_id=? AND created_at>? AND created_at<?)",
        "ix_concerns_network_closed (network_id=? AND closed_at>? AND closed_at<?)",
        "ix_usefulness_network_at (network_id=? AND at>? AND at<?)",
        "ix_concerns_network_status (network_id=? AND status=?)",
    ):
        assert index in plan, plan
    assert "SCAN concerns" not in plan
    assert "(network_id=?)" not in plan  # no walk through every concern of the network
