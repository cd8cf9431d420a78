"""The municipality (regie): an adviser's role that sees only aggregates of the networks its
municipality directs, the area in the intake, /trends (text and CSV) suppressed like the digest."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.composition import App
from bot.domain.model import Concern, Mode, Role
from bot.domain.network import Municipality
from bot.domain.reference import new_reference
from bot.domain.trends import ALL
from bot.settings import Settings
from bot.share_script import share_path
from bot.startup_errors import ConfigError
from bot.testing import Chat, FakeClock, RecordingOutlet, example_settings, join
from bot.usecases.invites import create_invite
from bot.usecases.trend_tables import trend_tables
from tests.integration.conftest import access_log, act, enrol, reference_in, texts

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(database: Path, config_file: Path) -> Settings:
    """Demostad directs both networks; demo has areas."""
    found = example_settings(database, config_file)
    networks = tuple(
        replace(n, areas=("Centrum", "Noord")) if n.id == "demo" else n for n in found.networks
    )
    municipality = Municipality("demostad", "Gemeente Demostad", ("demo", "west"))
    return replace(found, networks=networks, municipalities=(municipality,))


@pytest.fixture
async def adviser(app: App, outlet: RecordingOutlet) -> Chat:
    """The municipality's adviser, enrolled in the demo network."""
    return await join(app, outlet, "Mia-Municipality", Role.MUNICIPALITY)


async def store(
    app: App, network: str, org: str, created: datetime, n: int = 1, **extra: object
) -> list[str]:
    """Store ``n`` concerns straight in the database; their references."""
    refs = []
    async with app.uow() as uow:
        for _ in range(n):
            ref = new_reference()
            concern = Concern(
                id=None,
                reference=ref,
                network_id=network,
                organisation_id=org,
                reporter_id=None,  # type: ignore[arg-type]
                mode=Mode.SHARE,
                subject="person",
                age_band="16_17",
                setting="school",
                source="own_observation",
                urgency="week",
                acute=False,
                contact_allowed=False,
                identity_shown=False,
                actions_taken=(),
                facts="CANARY-FACT: a pupil praised an attack.",
                interpretation="",
                counter_signals="",
                created_at=created,
                acknowledge_due=created + timedelta(days=2),
                feedback_due=created + timedelta(days=14),
                **extra,  # type: ignore[arg-type]
            )
            await uow.concerns.add(concern)
            refs.append(ref)
        await uow.commit()
    return refs


async def test_an_adviser_sees_no_list_card_details_or_choice_and_each_refusal_is_logged(
    app: App, adviser: Chat
) -> None:
    [ref] = await store(app, "demo", "jongerenwerk-noord", NOW - timedelta(days=3))
    replies = texts(await adviser.say("/list"))
    replies += texts(await adviser.say(f"/show {ref}"))
    replies += texts(await act(adviser, "details", ref))
    replies += texts(await act(adviser, "show", ref))
    replies += texts(await act(adviser, "ack", ref))
    assert "CANARY" not in replies
    assert "School" not in replies
    assert "Only coordinators can list concerns" in replies
    mine = [e for e in await access_log(app) if e.actor_member_id == adviser.member.id]
    assert [(e.action, e.outcome) for e in mine] == [
        ("list", "denied"),
        ("show", "denied"),
        ("view_details", "denied"),
        ("show", "denied"),
        ("acknowledge", "denied"),
    ]


async def test_an_advisers_help_lists_trends_and_nothing_about_concerns(adviser: Chat) -> None:
    help_text = texts(await adviser.say("/help"))
    assert "/trends csv" in help_text
    assert "/trends NETWORK" in help_text
    for command in ("/new", "/list", "/show", "/advice", "/add", "/message"):
        assert f"\n{command} " not in help_text


async def test_an_adviser_cannot_share_a_concern(adviser: Chat) -> None:
    assert "not available for your role" in texts(await adviser.say("/new"))


async def test_a_coordinator_invites_an_adviser_only_where_a_municipality_directs(
    app: App, coordinator: Chat, settings: Settings
) -> None:
    said = texts(await coordinator.say("/invite municipality"))
    assert "Invitation for a municipality adviser" in said
    alone = replace(settings, municipalities=())
    async with app.uow() as uow:
        with pytest.raises(ConfigError, match="municipalities"):
            await create_invite(
                uow, alone, "jongerenwerk-noord", Role.MUNICIPALITY, timedelta(days=1), NOW
            )


async def test_the_area_is_asked_stored_and_shown_on_the_coordinators_card(
    reporter: Chat, coordinator: Chat
) -> None:
    lines = list(share_path().lines())
    lines.insert(lines.index("#school") + 1, "#Noord")
    reference = reference_in(await reporter.script(lines))
    assert "Area: Noord" in texts(await coordinator.say(f"/show {reference}"))


async def test_trends_for_the_adviser_hide_small_cells_and_their_difference(
    app: App, adviser: Chat, clock: FakeClock
) -> None:
    clock.set(NOW)
    await store(app, "demo", "jongerenwerk-noord", NOW - timedelta(days=40), 6, area="Noord")
    await store(app, "west", "west-school", NOW - timedelta(days=40), 1)
    said = texts(await adviser.say("/trends"))
    assert "Trends for all networks of Gemeente Demostad" in said
    assert "oktober 2026" not in said
    assert "October 2026" in said
    assert not re.search(r"[A-Z2-9]{3}-[A-Z2-9]{3}", said)
    assert "CANARY" not in said
    async with app.uow() as uow:
        tables = await trend_tables(uow, app.settings, ("demo", "west"), NOW)
    october = 10
    assert tables.month("west", october) is None
    assert tables.month(ALL, october) is None or tables.month("demo", october) is None
    rows = [e for e in await access_log(app) if e.actor_member_id == adviser.member.id]
    assert [(e.action, e.outcome, e.concern_reference) for e in rows] == [("trends", "ok", None)]


async def test_trends_in_dutch_name_the_months_in_dutch(app: App, outlet: RecordingOutlet) -> None:
    adviser = await join(app, outlet, "Mila", Role.MUNICIPALITY, "nl")
    said = texts(await adviser.say("/trends"))
    assert "december 2025" in said
    assert "november 2026" in said
    assert "Trends voor" in said


async def test_trends_csv_has_the_same_suppression(
    app: App, adviser: Chat, clock: FakeClock
) -> None:
    clock.set(NOW)
    await store(app, "demo", "jongerenwerk-noord", NOW - timedelta(days=40), 6)
    await store(app, "demo", "jongerenwerk-noord", NOW - timedelta(days=5), 2)
    [reply] = await adviser.say("/trends csv demo")
    assert reply.attachment is not None
    assert reply.attachment.name.endswith(".csv")
    table = list(csv.DictReader(io.StringIO(reply.attachment.data.decode())))
    totals = {r["month"]: r["count"] for r in table if r["breakdown"] == "total"}
    assert totals["2026-10"] == "6"
    assert totals["2026-11"] == ""
    assert all(
        r["count"] == "" or int(r["count"]) >= 5
        for r in table
        if r["breakdown"] != "median_hours_to_acknowledge"
    )


async def test_a_coordinator_sees_trends_of_their_own_network_only(
    app: App, outsider: Chat
) -> None:
    said = texts(await outsider.say("/trends"))
    assert f"Trends for {app.settings.network('west').name}," in said
    assert "Use: trends" in texts(await outsider.say("/trends demo"))


async def test_a_reporter_is_refused_trends_and_it_is_logged(app: App, reporter: Chat) -> None:
    assert "Only coordinators and the municipality" in texts(await reporter.say("/trends"))
    rows = [e for e in await access_log(app) if e.actor_member_id == reporter.member.id]
    assert [(e.action, e.outcome) for e in rows] == [("trends", "denied")]


async def test_an_adviser_gets_no_digest(app: App, adviser: Chat, outlet: RecordingOutlet) -> None:
    from bot.scheduling.jobs.digest import run_digest

    async with app.uow() as uow:
        replies = await run_digest(uow, app.settings, NOW)
    assert all(r.to.user_id != adviser.address.user_id for r in replies)


async def test_enrol_helper_still_works(app: App, outlet: RecordingOutlet) -> None:
    chat = await enrol(app, outlet, "Wim", Role.MUNICIPALITY, "west", "west-school")
    assert "/trends" in texts(await chat.say("/help"))


async def test_trends_show_breakdowns_and_median_times_over_k_or_more(
    app: App, adviser: Chat, clock: FakeClock
) -> None:
    """All in one category would tell the others are 0 (hidden, as in the digest); with two
    categories, the larger is shown and the smaller hidden, so that neither pins the rest."""
    clock.set(NOW)
    created = NOW - timedelta(days=40)
    acknowledged = created + timedelta(hours=3)
    second = app.settings.network("demo").organisations[1]
    await store(
        app, "demo", "jongerenwerk-noord", created, 6, area="Noord", acknowledged_at=acknowledged
    )
    await store(app, "demo", second.id, created, 7, area="Centrum", acknowledged_at=acknowledged)
    said = texts(await adviser.say("/trends demo"))
    assert "Trends for Netwerk Polarisatie Demostad," in said
    october = " · ".join(["–"] * 10 + ["7", "–"])
    assert f"• {second.name}: {october}" in said
    assert f"• Centrum: {october}" in said
    assert "• Noord:" not in said
    assert "• October 2026: 13" in said
    assert "3 hours" in said


async def test_a_coordinator_and_the_adviser_read_the_same_figures_for_a_network(
    app: App, adviser: Chat, outsider: Chat, clock: FakeClock
) -> None:
    clock.set(NOW)
    await store(app, "west", "west-school", NOW - timedelta(days=40), 7)
    await store(app, "demo", "jongerenwerk-noord", NOW - timedelta(days=40), 3)
    coordinator_view = texts(await outsider.say("/trends")).split("\n", 1)[1]
    adviser_view = texts(await adviser.say("/trends west")).split("\n", 1)[1]
    assert coordinator_view == adviser_view


async def test_usefulness_answers_month_by_month_small_ones_hidden(
    app: App, adviser: Chat, clock: FakeClock
) -> None:
    clock.set(NOW)
    created = NOW - timedelta(days=40)
    refs = await store(app, "demo", "jongerenwerk-noord", created, 8)
    async with app.uow() as uow:
        for i, ref in enumerate(refs):
            concern = await uow.concerns.by_reference(ref)
            assert concern is not None
            assert concern.id is not None
            await uow.usefulness.record(concern.id, "demo", "yes" if i < 6 else "no", created)
        await uow.commit()
    said = texts(await adviser.say("/trends demo"))
    assert "• useful: " + " · ".join(["–"] * 10 + ["6", "–"]) in said
    assert "• not useful: " + " · ".join(["–"] * 12) in said


async def test_trends_post_the_chart_beside_the_text_as_a_png(
    app: App, adviser: Chat, clock: FakeClock
) -> None:
    clock.set(NOW)
    await store(app, "demo", "jongerenwerk-noord", NOW - timedelta(days=40), 6)
    text, chart = await adviser.say("/trends")
    assert "Trends for all networks of Gemeente Demostad" in text.text
    assert text.attachment is None
    assert chart.attachment is not None
    assert chart.attachment.media_type == "image/png"
    assert chart.attachment.name.endswith(".png")
    assert chart.attachment.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert "chart" in chart.text
