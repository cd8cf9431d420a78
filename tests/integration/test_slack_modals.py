"""Slack's details modals are copies of a concern too: erasing the concern, on request or by
retention, replaces an open modal's details with a note that the concern was erased."""

from __future__ import annotations

from bot.channels.events import Address
from bot.domain.model import Role
from tests.fakes.slack_api import TEAM_ID
from tests.integration.test_slack import (
    CANARY,
    CARLA,
    TELEGRAM_COORDINATOR,
    World,
    before_start,
    config,
    shared,
    text_of,
    world,
)

FIXTURES = (before_start, config, shared, world)  # used here by name, as pytest passes them
ERASED = "This concern has been erased. Its details are no longer available."


async def erase_on_telegram(world: World, reference: str) -> None:
    """A coordinator of the same network erases the concern from Telegram."""
    await world.tell(TELEGRAM_COORDINATOR, f"/start {await world.invite(Role.COORDINATOR)}")
    await world.tell(TELEGRAM_COORDINATOR, f"/erase {reference}")
    await world.tap(TELEGRAM_COORDINATOR, "yes")
    assert world.texts(TELEGRAM_COORDINATOR)[-1].startswith(f"{reference} and everything")


async def test_an_open_details_modal_says_the_concern_was_erased_once_it_is(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    [alert] = world.alerts()
    await world.press(CARLA, alert, "View details")
    assert CANARY in text_of({"view": world.slack.views[0]})

    await erase_on_telegram(world, reference)
    await world.deliver()

    [update] = world.slack.called("views.update")
    assert update["view_id"] == "V1"
    shown = world.slack.views[0]
    assert CANARY not in text_of({"view": shown})
    assert ERASED in text_of({"view": shown})
    async with world.app.uow() as uow:
        assert await uow.posted.of_concern(reference) == []
        assert await uow.outbox.pending_count("slack") == 0
        assert await uow.outbox.dead_count() == 0


async def test_a_details_modal_closed_before_the_erasure_is_no_failure(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    [alert] = world.alerts()
    await world.press(CARLA, alert, "View details")
    async with world.app.uow() as uow:
        carla = Address("slack", f"{TEAM_ID}:{CARLA}")
        assert await uow.posted.find(carla, f"modal:{reference}") == "view:V1"
    world.slack.close_view("V1")

    await erase_on_telegram(world, reference)
    await world.deliver()

    assert world.slack.called("views.update") == []
    assert CANARY in text_of({"view": world.slack.views[0]})  # the fake's record, not Slack's
    async with world.app.uow() as uow:
        assert await uow.outbox.pending_count("slack") == 0
        assert await uow.outbox.dead_count() == 0
