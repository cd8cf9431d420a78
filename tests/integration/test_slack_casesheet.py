"""The case sheet in Slack: ``/concern casesheet REF`` opens its questions in one modal; the
sheet comes back only to the coordinator who asked, its PDF in their direct message with the
bot (never the alert channel); a coordinator of another network is refused, and logged."""

from __future__ import annotations

from bot.usecases.casesheet import EXPORT
from tests.integration.test_slack import (
    ALERTS,
    CARLA,
    FACTS,
    WEST_ORG,
    WIM,
    World,
    before_start,
    config,
    shared,
    text_of,
    world,
)

FIXTURES = (before_start, config, shared, world)  # used here by name, as pytest passes them
AGREED = "CANARY-AGREED-5e1: the youth worker calls the mother this week."
VALUES: dict[str, str | None] = {
    "sections": "account,agreed",
    "legal_basis": "public_task",
    "informed": None,
    "informed_on": "",
    "agreed": AGREED,
}


async def sheet_form(world: World, user: str, reference: str) -> int:
    """``user`` types ``/concern casesheet REF``; the index of the modal it opened."""
    answer = await world.command(user, f"casesheet {reference}")
    assert answer.status == 200
    assert world.slack.views[-1]["callback_id"] == "casesheet"
    return len(world.slack.views) - 1


async def test_the_sheet_goes_to_the_coordinators_dm_and_nowhere_else(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    modal = await sheet_form(world, CARLA, reference)

    answer = await world.submit(CARLA, modal, VALUES)
    await world.deliver()

    assert answer.status == 200
    (sheet,) = world.slack.files.in_channel("D" + CARLA)
    assert sheet.filename == f"casesheet-{reference}-20261130.pdf"
    assert sheet.content is not None
    assert sheet.content.startswith(b"%PDF-")
    (dm,) = world.slack.posted("D" + CARLA)
    assert "CONFIDENTIAL — CASE MEETING" in text_of(dm)
    assert "Young person or parents informed: Not yet, they will be told" in text_of(dm)
    # Where it was asked (an ephemeral in the alert channel): only where to find it.
    shown = world.ephemerals(CARLA)[-1]
    assert shown["text"] == "The file is in your direct messages with the bot, for you alone."
    assert FACTS not in text_of(shown)
    assert AGREED not in text_of(shown)
    assert world.slack.files.in_channel(ALERTS) == []
    assert not any(AGREED in text_of(m) for m in world.slack.posted(ALERTS))
    assert not any(FACTS in text_of(m) for m in world.slack.posted(ALERTS))
    assert [(e.action, e.outcome) for e in await world.log(reference) if e.action == EXPORT] == [
        (EXPORT, "ok")
    ]


async def test_a_day_that_cannot_be_read_is_sent_back_to_its_field(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    modal = await sheet_form(world, CARLA, reference)

    answer = await world.submit(CARLA, modal, {**VALUES, "informed_on": "last Tuesday"})

    assert answer.json()["response_action"] == "errors"
    assert set(answer.json()["errors"]) == {"informed_on"}
    assert world.slack.files.shared == []


async def test_a_coordinator_of_another_network_gets_no_sheet_and_is_logged(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    assert (await world.join(WIM, WEST_ORG)).status == 200
    modal = await sheet_form(world, WIM, reference)

    await world.submit(WIM, modal, VALUES)

    assert world.slack.files.shared == []
    assert f"There is no concern {reference} that you can see." in text_of(
        world.ephemerals(WIM)[-1]
    )
    assert [e.outcome for e in await world.log(reference) if e.action == EXPORT] == ["denied"]
