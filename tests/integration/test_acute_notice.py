"""The reporter of an acute concern hears, once, that it is still unacknowledged; the Slack feed's
alert is updated in place while the intake runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings
from bot.testing import FakeClock, example_settings, join
from tests.integration.test_reminders import ACUTE_SCRIPT, FEED, THURSDAY, Desk, open_desk


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The example configuration on this test's database."""
    return example_settings(tmp_path / "acute.db")


@pytest.fixture
def clock() -> FakeClock:
    """Thursday 26 November 2026, 10:00 UTC."""
    return FakeClock(THURSDAY)


@pytest.fixture
async def desk(settings: Settings, clock: FakeClock) -> AsyncIterator[Desk]:
    """A reporter, a coordinator and a backup coordinator (see test_reminders)."""
    opened = await open_desk(settings, clock, {})
    yield opened
    await opened.app.close()


@pytest.fixture
async def desk_with_feed(settings: Settings, clock: FakeClock) -> AsyncIterator[Desk]:
    """The same, with the demo network's Slack alert feed."""
    opened = await open_desk(settings, clock, {"SLACK_BOT_TOKEN": "xoxb-made-up"})
    yield opened
    await opened.app.close()


NOTICE = "has not been acknowledged yet by a coordinator of Netwerk Polarisatie Demostad"


async def run_notices(desk: Desk, minutes: int) -> int:
    """Run the acute job ``minutes`` after the share, as the scheduler would."""
    desk.clock.set(THURSDAY + timedelta(minutes=minutes))
    run = await Scheduler(desk.app.uow, desk.app.settings, desk.clock, desk.app.feeds).run("acute")
    assert run.ran
    await desk.deliverer.deliver_due()
    return run.messages


def notices(desk: Desk, user: str, head: str = NOTICE) -> list[str]:
    """The unacknowledged-acute notices delivered to ``user``."""
    return [r.text for r in desk.outlet.to(user) if head in r.text]


async def test_the_reporter_is_told_once_that_no_one_acknowledged_yet(desk: Desk) -> None:
    reference = await desk.share(ACUTE_SCRIPT)
    assert await run_notices(desk, 14) == 0
    assert await run_notices(desk, 16) == 1
    (notice,) = notices(desk, "anna")
    assert reference in notice
    assert "call 112 now" in notice
    assert "(reached: 2)" in notice
    assert "backup coordinators alerted (reached: 1)" in notice
    for later in (21, 60, 60 * 24):
        assert await run_notices(desk, later) == 0
    assert len(notices(desk, "anna")) == 1
    assert notices(desk, "cora") == []
    assert notices(desk, "bob") == []


async def test_no_notice_when_acknowledged_in_time(desk: Desk) -> None:
    reference = await desk.share(ACUTE_SCRIPT)
    await desk.acknowledge(reference)
    assert await run_notices(desk, 16) == 0
    assert notices(desk, "anna") == []


async def test_a_dutch_reporter_reads_the_notice_in_dutch(desk: Desk) -> None:
    roos = await join(desk.app, desk.outlet, "roos", language="nl")
    roos.deliverer = desk.deliverer
    await roos.script(ACUTE_SCRIPT)
    await run_notices(desk, 16)
    (notice,) = notices(desk, "roos", "is nog door geen coördinator van Netwerk Polarisatie")
    assert "bel dan nu 112" in notice


async def test_the_feed_alert_is_updated_in_place_with_no_free_text(desk_with_feed: Desk) -> None:
    desk = desk_with_feed
    await desk.anna.script(ACUTE_SCRIPT[:2])  # /new, "someone is in danger now"
    first = [r for r in desk.slack.sent if r.to == FEED]
    assert len(first) == 1
    assert first[0].card is not None
    assert not first[0].card.replaces
    await desk.anna.script(ACUTE_SCRIPT[2:])
    updates = [r for r in desk.slack.sent if r.to == FEED][1:]
    assert updates
    assert all(r.card is not None and r.card.replaces for r in updates)
    assert all("CANARY" not in r.text for r in desk.slack.sent)


async def test_an_abandoned_acute_draft_is_not_called_unshared(desk: Desk) -> None:
    await desk.anna.script(ACUTE_SCRIPT[:3])  # alerted, then walks away
    scheduler = Scheduler(desk.app.uow, desk.app.settings, desk.clock, desk.app.feeds)
    for hours in (2, 25):
        desk.clock.set(THURSDAY + timedelta(hours=hours))
        assert (await scheduler.run("drafts")).ran
        await desk.deliverer.deliver_due()
    reminder, deleted = [r.text for r in desk.outlet.to("anna")][-2:]
    for text in (reminder, deleted):
        assert "nothing was shared" not in text
        assert "the acute alert was sent" in text
    assert "what you answered until then stays with the coordinator" in deleted


async def test_a_dutch_abandoned_acute_draft_says_the_alert_was_sent(desk: Desk) -> None:
    roos = await join(desk.app, desk.outlet, "roos", language="nl")
    roos.deliverer = desk.deliverer
    await roos.script(ACUTE_SCRIPT[:3])
    desk.clock.set(THURSDAY + timedelta(hours=2))
    await Scheduler(desk.app.uow, desk.app.settings, desk.clock, desk.app.feeds).run("drafts")
    await desk.deliverer.deliver_due()
    reminder = desk.outlet.to("roos")[-1].text
    assert "het ACUUT-alarm is verstuurd" in reminder
    assert "niets gedeeld" not in reminder
