"""The terminal chat wired end to end: bot, outbox worker, scheduler and console adapter for
one user. Terminals side by side on one database share the work: each prints its own user's
messages, and the one that holds the scheduler's leadership runs the jobs for all."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.interval import IntervalTrigger

from adapters.console.chat import ConsoleAdapter
from bot.app.composition import App, bootstrap
from bot.app.config import Settings
from bot.channels.events import InboundEvent
from bot.delivery.instances import Instance
from bot.delivery.worker import Deliverer
from bot.domain.model import Role
from bot.i18n import normalise_language
from bot.scheduling.leadership import Leadership, lead
from bot.scheduling.scheduler import Scheduler
from bot.usecases.enrolment import EnrolmentError, enrol_local


def tryout_settings(settings: Settings) -> Settings:
    """With ``[console] tryout``: the acute acknowledge deadline of the try-out."""
    console = settings.console
    if not console.tryout:
        return settings
    deadlines = dataclasses.replace(
        settings.deadlines, acute_acknowledge_minutes=console.tryout_acute_minutes
    )
    return dataclasses.replace(settings, deadlines=deadlines)


def tryout_notice(settings: Settings) -> str | None:
    """What the terminal says on start about the try-out's deadlines (None without one)."""
    console = settings.console
    if not console.tryout or not settings.scheduler.enabled:
        return None
    return (
        f"Try-out deadlines ([console] in the configuration): an acute concern must be "
        f"acknowledged within {console.tryout_acute_minutes} minute(s), and late ones are "
        f"checked for every {console.tryout_reminder_seconds} seconds, so the reminder and "
        f"the escalation show up here; coordinators who start here are backup coordinators."
    )


def _per_second(slot: datetime) -> str:
    return slot.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def console_scheduler(app: App, settings: Settings) -> Scheduler:
    """The bot's scheduler; in the try-out its reminders job checks every few seconds."""
    scheduler = Scheduler(app.uow, settings, app.clock, app.feeds, app.outbox_changed.fire)
    if settings.console.tryout:
        job = scheduler.jobs["reminders"]
        every = IntervalTrigger(
            seconds=settings.console.tryout_reminder_seconds,
            timezone=ZoneInfo(settings.bot.timezone),
        )
        # A period per second, so that no check of the try-out is taken for one already done.
        scheduler.jobs["reminders"] = dataclasses.replace(job, trigger=every, period=_per_second)
    return scheduler


async def run_console(settings: Settings, role: Role, user: str, language: str | None) -> int:
    """Chat as ``user`` until end of input; messages for that user print as they arrive."""
    settings = tryout_settings(settings)
    app = await bootstrap(settings)
    instance = Instance(app.uow, app.clock)
    try:
        adapter = ConsoleAdapter(user, language=language)
        async with app.uow() as uow:
            new = await uow.members.by_address(adapter.sender.address) is None
            try:
                member = await enrol_local(
                    uow,
                    settings,
                    adapter.sender.address,
                    role,
                    user,
                    normalise_language(language or settings.bot.default_language),
                    app.clock.now(),
                )
            except EnrolmentError as error:
                print(f"concernbot: {error}", file=sys.stderr)
                return 2
            # This terminal is the only one delivering to its user: messages a killed run had
            # claimed but not finished are shown now, not after their lease runs out.
            await uow.claims.release_recipient(adapter.name, adapter.sender.address.user_id)
            if language is not None and member.id is not None and member.language != language:
                await uow.members.set_language(member.id, language)
            if new and settings.console.tryout and role is Role.COORDINATOR:
                assert member.id is not None
                await uow.members.set_backup(member.id, True)
            await uow.commit()
        return await _chat(app, instance, settings, adapter, role, user)
    finally:
        await instance.stop()
        await app.close()


async def _chat(
    app: App, instance: Instance, settings: Settings, adapter: ConsoleAdapter, role: Role, user: str
) -> int:
    deliverer = Deliverer(
        app.uow,
        {adapter.name: adapter},
        app.clock,
        settings.outbox,
        address=adapter.sender.address.user_id,
    )
    app.outbox_changed.connect(deliverer.wake)
    app.bot.send_replies_with(deliverer)
    # Terminals side by side hold locks of their own: a killed one's claims are let go here,
    # a live one's are not.
    await instance.start(deliverer.hand)
    worker = asyncio.create_task(deliverer.run())
    scheduler: Scheduler | None = None
    leadership: Leadership | None = None
    leader: asyncio.Task[None] | None = None
    if settings.scheduler.enabled:
        scheduler = console_scheduler(app, settings)
        leadership = Leadership(app.engine)
        leader = asyncio.create_task(
            lead(leadership, scheduler, settings.scheduler.leader_check_seconds)
        )

    async def sink(event: InboundEvent) -> None:
        await app.bot.handle(event)
        await deliverer.deliver_due()

    if adapter.interactive:
        print(f"concernbot — {user} ({role.value}). /help lists the commands; end with Ctrl-D.")
    notice = tryout_notice(settings)
    if notice is not None:
        print(notice, file=sys.stderr)
    try:
        await deliverer.deliver_due()
        await adapter.start(sink)
        await adapter.finished.wait()
    finally:
        if leader is not None:
            leader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await leader
        if scheduler is not None:
            scheduler.shutdown()
        if leadership is not None:
            await leadership.release()
    await deliverer.deliver_due()
    deliverer.stop()
    await worker
    return 0
