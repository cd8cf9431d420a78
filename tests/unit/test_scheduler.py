"""The scheduler's time arithmetic, its jobs on APScheduler, and the operator's jobs commands."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app.composition import App
from bot.channels.replies import Outgoing
from bot.domain.model import Role
from bot.scheduling.scheduler import Scheduler, build_jobs, previous_slot
from bot.settings import Settings
from bot.storage.uow import UnitOfWork
from bot.testing import (
    TEST_KEY,
    FakeClock,
    RecordingOutlet,
    database_url,
    example_settings,
    join,
    start_app,
)

ROOT = Path(__file__).resolve().parents[2]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEEKLY = CronTrigger.from_crontab("0 8 * * mon", timezone=AMSTERDAM)
LOOKBACK = timedelta(days=32)
MONDAY_SLOT = datetime(2026, 11, 30, 8, 0, tzinfo=AMSTERDAM)


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment in Amsterdam in late 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=AMSTERDAM)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return example_settings(tmp_path / "scheduler.db")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    app = await start_app(settings, clock)
    yield app
    await app.close()


# previous_slot


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(30, 8), local(30, 8)),  # exactly at the slot: that slot
        (local(30, 8, 1), local(30, 8)),
        (local(2, 17, month=12), local(30, 8)),  # Wednesday
        (local(6, 23, 59, month=12), local(30, 8)),  # Sunday night
        (local(30, 7, 59), local(23, 8)),  # just before: the week before
        (local(7, 8, month=12), local(7, 8, month=12)),
    ],
)
def test_previous_slot_of_a_weekly_cron_is_the_latest_monday_eight_oclock(
    now: datetime, expected: datetime
) -> None:
    assert previous_slot(WEEKLY, now, LOOKBACK) == expected


def test_previous_slot_works_from_utc_moments_too() -> None:
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert previous_slot(WEEKLY, now, LOOKBACK) == MONDAY_SLOT


def test_previous_slot_is_none_when_the_trigger_did_not_fire_within_the_lookback() -> None:
    assert previous_slot(WEEKLY, local(2, 12, month=12), timedelta(days=1)) is None


def test_previous_slot_keeps_local_time_across_the_change_to_winter_time() -> None:
    # Daylight saving time ended on Sunday 25 October 2026.
    before = previous_slot(WEEKLY, local(20, 12, month=10), LOOKBACK)
    after = previous_slot(WEEKLY, local(27, 12, month=10), LOOKBACK)
    assert before is not None
    assert after is not None
    assert (before.hour, after.hour) == (8, 8)
    assert before.astimezone(UTC).hour == 6
    assert after.astimezone(UTC).hour == 7


# Periods


def test_any_moment_in_a_week_names_the_same_digest_period_as_its_slot(
    settings: Settings,
) -> None:
    period = build_jobs(settings, {})["digest"].period
    slot = period(MONDAY_SLOT)
    assert slot == "2026-11-30T07:00Z"
    for hours in (0, 1, 26, 100, 167):
        assert period(MONDAY_SLOT + timedelta(hours=hours, minutes=59)) == slot
    assert period(MONDAY_SLOT + timedelta(days=7)) != slot
    assert period(MONDAY_SLOT - timedelta(minutes=1)) != slot


def test_interval_jobs_have_a_period_per_minute(settings: Settings) -> None:
    period = build_jobs(settings, {})["reminders"].period
    moment = datetime(2026, 12, 2, 10, 4, 30, tzinfo=UTC)
    assert period(moment) == "2026-12-02T10:04Z"
    assert period(moment + timedelta(seconds=29)) == period(moment)
    assert period(moment + timedelta(seconds=30)) != period(moment)


def test_the_jobs_and_their_triggers_come_from_the_configuration(settings: Settings) -> None:
    jobs = build_jobs(settings, {})
    assert set(jobs) == {"digest", "reminders", "drafts", "retention", "details", "acute"}
    assert isinstance(jobs["digest"].trigger, CronTrigger)
    assert isinstance(jobs["retention"].trigger, CronTrigger)
    assert isinstance(jobs["reminders"].trigger, IntervalTrigger)
    assert jobs["reminders"].trigger.interval == timedelta(minutes=5)
    assert jobs["drafts"].trigger.interval == timedelta(minutes=5)
    assert jobs["details"].trigger.interval == timedelta(minutes=10)


async def test_a_manual_run_later_in_the_week_is_the_scheduled_run_of_that_week(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    scheduler = Scheduler(app.uow, settings, clock)
    manual = await scheduler.run("digest", local(2, 15, month=12))
    assert manual.ran
    assert manual.period == "2026-11-30T07:00Z"
    scheduled = await scheduler.run("digest", MONDAY_SLOT)
    assert not scheduled.ran
    assert scheduled.period == manual.period
    next_week = await scheduler.run("digest", MONDAY_SLOT + timedelta(days=7))
    assert next_week.ran


async def test_a_run_without_a_moment_is_as_of_the_clock(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    run = await Scheduler(app.uow, settings, clock).run("digest")
    assert run.period == "2026-11-30T07:00Z"
    reminders = await Scheduler(app.uow, settings, clock).run("reminders")
    assert reminders.period == "2026-12-02T12:00Z"


def test_next_runs_lists_every_job_after_now(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    scheduler = Scheduler(app.uow, settings, clock)
    upcoming = scheduler.next_runs()
    assert set(upcoming) == {"digest", "reminders", "drafts", "retention", "details", "acute"}
    assert upcoming["digest"] == local(7, 8, month=12)
    assert upcoming["retention"] == local(3, 3, 30, month=12)


# On APScheduler


async def test_job_arguments_carry_only_the_job_name(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    scheduler = Scheduler(app.uow, settings, clock)
    scheduler.start()
    try:
        assert scheduler.running
        assert scheduler._aps is not None
        jobs = {job.id: job for job in scheduler._aps.get_jobs()}
        assert set(jobs) == {"digest", "reminders", "drafts", "retention", "details", "acute"}
        for name, job in jobs.items():
            assert tuple(job.args) == (name,)
            assert dict(job.kwargs) == {}
            assert job.coalesce is True
            assert job.max_instances == 1
            assert job.misfire_grace_time == settings.scheduler.misfire_grace_minutes * 60
    finally:
        scheduler.shutdown()
    await asyncio.sleep(0)  # APScheduler's asyncio scheduler shuts down in the loop's next turn
    assert not scheduler.running


def test_shutdown_before_start_is_harmless(app: App, settings: Settings, clock: FakeClock) -> None:
    scheduler = Scheduler(app.uow, settings, clock)
    scheduler.shutdown()
    assert not scheduler.running


async def test_a_failing_job_is_logged_by_type_only_and_does_not_stop_the_scheduler(
    app: App, settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = Scheduler(app.uow, settings, clock)

    async def broken(uow: UnitOfWork, at: datetime) -> list[Outgoing]:
        raise ValueError("CANARY-JOB secret words")

    scheduler.jobs["drafts"] = dataclasses.replace(scheduler.jobs["drafts"], run=broken)
    await scheduler._fire("drafts")
    messages = [r.getMessage() for r in caplog.records]
    assert "job drafts failed: ValueError" in messages
    assert all("CANARY" not in m for m in messages)


# The operator's command


def concernbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``concernbot`` with the example configuration on this test's database."""
    env = {
        **os.environ,
        "CONCERNBOT_DATABASE_URL": database_url(tmp_path / "scheduler.db"),
        "CONCERNBOT_ENCRYPTION_KEYS": f"test:{TEST_KEY}",
    }
    env.pop("CONCERNBOT_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.app.cli", "--config", str(ROOT / "config.example.toml"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_jobs_list_shows_every_job_with_its_next_run(tmp_path: Path) -> None:
    result = concernbot(tmp_path, "jobs", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == ["digest", "reminders", "drafts", "retention", "details", "acute"]
    for line in lines:
        assert " next run 20" in line
    digest = lines[0].split("next run ")[1]
    assert datetime.fromisoformat(digest).weekday() == 0
    assert digest.endswith("08:00")


async def seed_subscribers(settings: Settings, clock: FakeClock) -> None:
    app = await start_app(settings, clock)
    try:
        outlet = RecordingOutlet()
        await join(app, outlet, "anna")
        await join(app, outlet, "cora", Role.COORDINATOR)
    finally:
        await app.close()


async def test_jobs_run_digest_at_a_moment_runs_that_weeks_digest_once(
    tmp_path: Path, settings: Settings, clock: FakeClock
) -> None:
    await seed_subscribers(settings, clock)
    # --yes: the moment may still be in the future on the machine's clock.
    first = concernbot(tmp_path, "jobs", "run", "digest", "--at", "2026-12-02T10:00", "--yes")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "digest 2026-11-30T07:00Z: ran; 2 messages queued"
    again = concernbot(tmp_path, "jobs", "run", "digest", "--at", "2026-11-30T08:00+01:00")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == (
        "digest 2026-11-30T07:00Z: already done for this period; 0 messages queued"
    )
    app = await start_app(settings, clock)
    try:
        async with app.uow() as uow:
            assert await uow.outbox.pending_count() == 2
    finally:
        await app.close()


def test_jobs_run_without_a_known_name_says_which_jobs_exist(tmp_path: Path) -> None:
    result = concernbot(tmp_path, "jobs", "run", "coffee")
    assert result.returncode == 2
    assert "digest, reminders, drafts, retention" in result.stderr


def test_jobs_run_with_a_malformed_moment_is_refused(tmp_path: Path) -> None:
    result = concernbot(tmp_path, "jobs", "run", "digest", "--at", "next monday")
    assert result.returncode == 2
    assert "not an ISO date" in result.stderr


async def test_a_job_failing_during_catch_up_is_logged_and_does_not_stop_the_others(
    app: App, settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = Scheduler(app.uow, settings, clock)
    working = scheduler.jobs["digest"]

    async def broken(uow: UnitOfWork, at: datetime) -> list[Outgoing]:
        raise ValueError("CANARY-JOB secret words")

    scheduler.jobs["digest"] = dataclasses.replace(working, run=broken)
    runs = await scheduler.catch_up()
    assert [(run.job, run.ran) for run in runs] == [("retention", True)]
    messages = [r.getMessage() for r in caplog.records]
    assert "job digest failed: ValueError" in messages
    assert all("CANARY" not in m for m in messages)
    # Nothing was recorded for the failed run: the next catch-up tries it again.
    scheduler.jobs["digest"] = working
    again = await scheduler.catch_up()
    assert [(run.job, run.ran) for run in again] == [("digest", True), ("retention", False)]
