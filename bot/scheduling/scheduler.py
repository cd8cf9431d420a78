"""Scheduled jobs on APScheduler triggers; every run is idempotent per (job, period)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.channels.events import Address
from bot.channels.replies import Outgoing
from bot.domain.clock import Clock
from bot.scheduling.jobs.acute import run_acute_notices
from bot.scheduling.jobs.details import run_details_removal
from bot.scheduling.jobs.digest import run_digest
from bot.scheduling.jobs.drafts import run_drafts
from bot.scheduling.jobs.reminders import run_reminders
from bot.scheduling.jobs.retention import run_retention
from bot.settings import Settings
from bot.storage.uow import UnitOfWork
from bot.storage.uow_factory import UnitOfWorkFactory

log = logging.getLogger(__name__)

Run = Callable[[UnitOfWork, datetime], Awaitable[list[Outgoing]]]


@dataclass(frozen=True)
class Job:
    """A named job, its trigger, and how a slot time names its period."""

    name: str
    trigger: BaseTrigger
    run: Run
    period: Callable[[datetime], str]


@dataclass(frozen=True)
class JobRun:
    """What one run did: whether it ran (or found its period done) and what it sent."""

    job: str
    period: str
    ran: bool
    messages: int


def _minute(slot: datetime) -> str:
    return slot.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _slot_of(trigger: BaseTrigger) -> Callable[[datetime], str]:
    """Name a moment by the latest slot of ``trigger`` at or before it, so a manual run
    'as of' any time in a period and the scheduled run of that period are the same run."""

    def period(at: datetime) -> str:
        slot = previous_slot(trigger, at, timedelta(days=32))
        return _minute(slot or at)

    return period


def build_jobs(settings: Settings, feeds: Mapping[str, tuple[Address, ...]]) -> dict[str, Job]:
    """The jobs of this configuration, by name."""
    zone = ZoneInfo(settings.bot.timezone)
    config = settings.scheduler

    async def digest(uow: UnitOfWork, at: datetime) -> list[Outgoing]:
        return list(await run_digest(uow, settings, at))

    async def reminders(uow: UnitOfWork, at: datetime) -> list[Outgoing]:
        return await run_reminders(uow, settings, at, feeds)

    async def drafts(uow: UnitOfWork, at: datetime) -> list[Outgoing]:
        return await run_drafts(uow, settings, at)

    async def acute(uow: UnitOfWork, at: datetime) -> list[Outgoing]:
        return await run_acute_notices(uow, settings, at)

    async def retention(uow: UnitOfWork, at: datetime) -> list[Outgoing]:
        return await run_retention(uow, settings, at)

    async def details(uow: UnitOfWork, at: datetime) -> list[Outgoing]:
        return await run_details_removal(uow, settings, at)

    digest_trigger = CronTrigger.from_crontab(config.digest_cron, timezone=zone)
    retention_trigger = CronTrigger.from_crontab(config.retention_cron, timezone=zone)
    every_reminder = IntervalTrigger(minutes=config.reminders_minutes, timezone=zone)
    every_draft = IntervalTrigger(minutes=config.drafts_minutes, timezone=zone)
    every_details = IntervalTrigger(minutes=config.details_minutes, timezone=zone)
    jobs = [
        Job("digest", digest_trigger, digest, _slot_of(digest_trigger)),
        Job("reminders", every_reminder, reminders, _minute),
        Job("drafts", every_draft, drafts, _minute),
        Job("retention", retention_trigger, retention, _slot_of(retention_trigger)),
        Job("details", every_details, details, _minute),
        Job("acute", every_reminder, acute, _minute),
    ]
    return {job.name: job for job in jobs}


def previous_slot(trigger: BaseTrigger, now: datetime, lookback: timedelta) -> datetime | None:
    """The latest time ``trigger`` fired at or before ``now`` (within ``lookback``)."""
    moment = trigger.get_next_fire_time(None, now - lookback)
    last = None
    while moment is not None and moment <= now:
        last = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return last


class Scheduler:
    """Runs jobs on their triggers in the bot's event loop; catches up a missed slot once."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        settings: Settings,
        clock: Clock,
        feeds: Mapping[str, tuple[Address, ...]] | None = None,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow = uow
        self._settings = settings
        self._clock = clock
        self._on_outbox = on_outbox
        self.jobs = build_jobs(settings, feeds or {})
        self._aps: AsyncIOScheduler | None = None

    async def run(self, name: str, at: datetime | None = None) -> JobRun:
        """Run job ``name`` once as of ``at`` (default now); a period already done is skipped."""
        async with self._uow() as uow:
            run, messages = await self.run_in(uow, name, at)
            if not run.ran:
                return run
            await uow.commit()
        if messages:
            self._on_outbox()
        log.info("job %s ran for %s: %d messages", name, run.period, len(messages))
        return run

    async def run_in(
        self, uow: UnitOfWork, name: str, at: datetime | None = None
    ) -> tuple[JobRun, list[Outgoing]]:
        """Run job ``name`` in ``uow``'s transaction, queueing its messages; the caller
        commits (or, for a dry run, leaves it to roll back)."""
        job = self.jobs[name]
        slot = at or self._clock.now()
        if isinstance(job.trigger, CronTrigger):
            slot = previous_slot(job.trigger, slot, timedelta(days=32)) or slot
        period = job.period(slot)
        if not await uow.ledger.first_time(name, period, self._clock.now()):
            return JobRun(name, period, ran=False, messages=0), []
        messages = await job.run(uow, slot)
        for message in messages:
            await uow.outbox.add(message, self._clock.now())
        return JobRun(name, period, ran=True, messages=len(messages)), messages

    async def catch_up(self) -> list[JobRun]:
        """Run, once, the latest slot of each cron job that passed while nobody was running;
        a job that fails is logged and tried again at the next catch-up, the others still run."""
        now = self._clock.now()
        runs = []
        for job in self.jobs.values():
            if isinstance(job.trigger, CronTrigger):
                slot = previous_slot(job.trigger, now, timedelta(days=32))
                if slot is None:
                    continue
                try:
                    runs.append(await self.run(job.name, slot))
                except Exception as error:
                    log.error("job %s failed: %s", job.name, type(error).__name__)
        return runs

    def start(self) -> None:
        """Put every job on APScheduler in the running loop."""
        grace = int(self._settings.scheduler.misfire_grace_minutes * 60)
        self._aps = AsyncIOScheduler(timezone=ZoneInfo(self._settings.bot.timezone))
        for job in self.jobs.values():
            # Only the job's name travels as an argument: never personal data.
            self._aps.add_job(
                self._fire,
                job.trigger,
                args=[job.name],
                id=job.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=grace,
            )
        self._aps.start()

    @property
    def running(self) -> bool:
        """True while jobs are on their triggers."""
        return self._aps is not None and bool(self._aps.running)

    def shutdown(self) -> None:
        """Stop firing jobs (a run in progress finishes in its own transaction)."""
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)

    def next_runs(self) -> dict[str, datetime | None]:
        """When each job fires next, from now."""
        now = self._clock.now()
        return {name: job.trigger.get_next_fire_time(None, now) for name, job in self.jobs.items()}

    async def _fire(self, name: str) -> None:
        try:
            await self.run(name)
        except Exception as error:
            log.error("job %s failed: %s", name, type(error).__name__)
