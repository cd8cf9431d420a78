"""The terminal chat, composed by the one composition root for one user: bot, outbox worker,
scheduler and the console channel. Terminals side by side on one database share the work:
each prints its own user's messages, and the one that holds the scheduler's leadership runs
the jobs for all."""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.interval import IntervalTrigger

from adapters.console.chat import CHANNEL, ConsoleAdapter
from bot.app.catalog import Channels
from bot.app.composition import compose, default_scheduler
from bot.app.system import Scheduling
from bot.domain.model import Role
from bot.i18n import duration, normalise_language
from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings
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
        f"acknowledged within {duration(str, minutes=console.tryout_acute_minutes)}, and late "
        f"ones are checked for every {console.tryout_reminder_seconds} seconds, so the reminder "
        f"and the escalation show up here; coordinators who start here are backup coordinators."
    )


def _per_second(slot: datetime) -> str:
    return slot.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def console_scheduler(parts: Scheduling) -> Scheduler:
    """The bot's scheduler; in the try-out its reminders job checks every few seconds."""
    settings = parts.settings
    scheduler = default_scheduler(parts)
    if settings.console.tryout:
        job = scheduler.jobs["reminders"]
        every = IntervalTrigger(
            seconds=settings.console.tryout_reminder_seconds,
            timezone=ZoneInfo(settings.bot.timezone),
        )
        # A period per second, so that no check of the try-out is taken for one already done.
        scheduler.jobs["reminders"] = dataclasses.replace(job, trigger=every, period=_per_second)
    return scheduler


async def run_console(
    settings: Settings,
    role: Role,
    user: str,
    language: str | None,
    channels: Channels | None = None,
) -> int:
    """Chat as ``user`` until end of input; messages for that user print as they arrive."""
    from adapters.registry import REGISTRY

    settings = tryout_settings(settings)
    app = await compose(
        settings,
        channels=channels or REGISTRY,
        serve=[CHANNEL],
        options={CHANNEL: {"user": user, "language": language}},
        deliver_to=user,
        scheduler=console_scheduler,
    )
    adapter = app.runtimes[CHANNEL]
    assert isinstance(adapter, ConsoleAdapter)
    try:
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
                await app.close()
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
    except BaseException:
        await app.close()
        raise
    if adapter.interactive:
        print(f"concernbot — {user} ({role.value}). /help lists the commands; end with Ctrl-D.")
    notice = tryout_notice(settings)
    if notice is not None:
        print(notice, file=sys.stderr)
    try:
        # Terminals side by side hold locks of their own: a killed one's claims are let go at
        # the start, a live one's are not.
        await app.start()
        await adapter.finished.wait()
    finally:
        await app.stop(flush=True)
    return 0
