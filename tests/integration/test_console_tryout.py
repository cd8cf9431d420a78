"""The terminal try-out runs the scheduler: a reporter shares an acute concern in one terminal
and the reminder and the escalation arrive in the coordinator's terminal, with nobody running
a job by hand. Two terminals on one SQLite file: one of them runs the jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console.app import console_scheduler, tryout_notice, tryout_settings
from bot.app.system import Scheduling
from bot.domain.deadlines import acknowledge_due
from bot.scheduling.leadership import Leadership
from bot.storage.engine import create_engine
from bot.testing import FakeClock, database_url, example_settings, start_app, using_postgres
from tests.integration.test_console_subprocess import (
    REFERENCE,
    SHARE_LINES,
    Console,
    console_env,
    consoles,
)

__all__ = ["consoles"]  # the fixture, used below by name

ACUTE_SHARE = (SHARE_LINES[0], "1", *SHARE_LINES[2:])
"""The scripted share, with someone in immediate danger: an acute concern."""


def test_an_unacknowledged_acute_concern_brings_reminder_and_escalation_to_the_coordinator(
    tmp_path: Path, consoles: list[Console]
) -> None:
    env = console_env(
        tmp_path / "tryout.db",
        # Due at once and checked every second: the try-out's minutes, made test-sized.
        CONCERNBOT_CONSOLE_TRYOUT_ACUTE_MINUTES="0",
        CONCERNBOT_CONSOLE_TRYOUT_REMINDER_SECONDS="1",
        CONCERNBOT_SCHEDULER_LEADER_CHECK_SECONDS="1",
    )
    carla = Console(env, "--as", "coordinator", "--user", "carla", "--language", "en")
    consoles.append(carla)
    anna = Console(env, "--user", "anna", "--language", "en")
    consoles.append(anna)
    for line in ACUTE_SHARE:
        anna.type(line)
    found = REFERENCE.search(anna.expect("Follow it with /status."))
    assert found is not None
    reference = found.group(1)

    carla.expect(f"Reminder: {reference} has not been acknowledged yet")
    carla.expect(f"ESCALATION: the acute concern {reference} was not acknowledged in time.")

    assert anna.finish() == 0
    assert carla.finish() == 0
    for console in (anna, carla):
        assert "Try-out deadlines" in console.stderr
        assert "Traceback" not in console.stderr
    assert carla.transcript.count("ESCALATION") == 1
    assert "ESCALATION" not in anna.transcript


@pytest.fixture
async def two_engines(tmp_path: Path) -> list[AsyncEngine]:
    """Two processes' engines on one SQLite file."""
    url = database_url(tmp_path / "shared.db")
    return [create_engine(url), create_engine(url)]


@pytest.mark.skipif(using_postgres(), reason="the file lock is SQLite's; PostgreSQL has its own")
async def test_of_two_terminals_on_one_sqlite_file_one_leads_until_it_lets_go(
    two_engines: list[AsyncEngine],
) -> None:
    first, second = (Leadership(engine) for engine in two_engines)
    try:
        assert await first.try_lead()
        assert not await second.try_lead()
        assert (first.leading, second.leading) == (True, False)
        assert await first.try_lead()

        await first.release()

        assert await second.try_lead()
        assert not await first.try_lead()
    finally:
        await first.release()
        await second.release()
        for engine in two_engines:
            await engine.dispose()


async def test_the_try_out_notice_tells_the_deadlines_the_terminal_then_keeps(
    tmp_path: Path,
) -> None:
    settings = tryout_settings(example_settings(tmp_path / "bot.db"))
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    app = await start_app(settings, FakeClock(now))
    try:
        parts = Scheduling(app.uow, settings, app.clock, app.feeds, lambda: None)
        reminders = console_scheduler(parts).jobs["reminders"]
    finally:
        await app.close()

    notice = tryout_notice(settings)
    assert notice is not None
    assert "acknowledged within 2 minutes" in notice
    assert "every 60 seconds" in notice
    assert acknowledge_due(now, True, settings.deadlines) == now + timedelta(minutes=2)
    assert isinstance(reminders.trigger, IntervalTrigger)
    assert reminders.trigger.interval == timedelta(seconds=60)
    assert reminders.period(now) != reminders.period(now + timedelta(seconds=1))
