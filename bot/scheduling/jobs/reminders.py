"""Reminders and escalation: no concern waits unseen, no reporter is left without news."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.channels.events import Address
from bot.channels.replies import Choice, Outgoing, Reply
from bot.conversation.cards import action, alert_text, triage_choices, when
from bot.conversation.feed import line_replies
from bot.conversation.home import refreshed
from bot.delivery.notify import Compose, message_for
from bot.domain.deadlines import feedback_due
from bot.domain.model import Concern, Member, Status
from bot.i18n import N_, Translate, translator
from bot.settings import Settings
from bot.storage.uow import UnitOfWork

NOT_ACKNOWLEDGED = N_("Reminder: {reference} has not been acknowledged yet (deadline {due}).")
ESCALATED = N_(
    "ESCALATION: the acute concern {reference} was not acknowledged in time. "
    "You are a backup coordinator; please take it up now."
)
FEEDBACK_LATE = N_(
    "Reminder: the reporter of {reference} has had no news since the feedback deadline. "
    "Please send an update (Update status, with a note)."
)
LATE_LINE = N_("Not acknowledged within the deadline: a reminder went to the coordinators.")
ESCALATED_LINE = N_("Acute and not acknowledged in time: escalated to the backup coordinators.")
FEEDBACK_LINE = N_("The feedback deadline passed: the assignee was reminded.")
STILL_WORKING = N_(
    "About your concern {reference}: there is no new update from the coordinator yet. It is "
    "still open, and the coordinator has been reminded to let you know how it stands."
)
ASK_AHEAD = timedelta(days=1)
"""How long before the feedback deadline the coordinator is asked for a line to the reporter."""
FEEDBACK_ASK = N_(
    "The reporter of {reference} expects news from you by {due}. Is it still being worked on? "
    "Confirm it, or write them a line with Update status. If you do neither, the reporter is "
    "told that there is no new update yet."
)
STILL_OPEN = N_("Confirm: still being worked on")
UPDATE = N_("Update status")


async def run_reminders(
    uow: UnitOfWork,
    settings: Settings,
    at: datetime,
    feeds: Mapping[str, tuple[Address, ...]] | None = None,
) -> list[Outgoing]:
    """Escalate late acute concerns, remind about late acknowledgement and late feedback."""
    out: list[Outgoing] = []
    all_feeds = feeds or {}
    ft = translator(settings.bot.default_language)
    for network in settings.networks:
        coordinators = await uow.members.coordinators(network.id)
        network_feeds = all_feeds.get(network.id, ())
        # Coordinators on a channel where this network has a feed follow it there.
        skip = frozenset(a.channel for a in network_feeds)
        late = False  # a deadline passed: the home views show it overdue from now
        for concern in await uow.concerns.open_in_network(network.id):
            if concern.status is Status.RECEIVED and concern.acknowledge_due <= at:
                key = f"{concern.reference}@{concern.acknowledge_due.isoformat()}"
                if not await uow.ledger.first_time("remind_ack", key, at):
                    continue
                late = True
                out += await _to_all(uow, coordinators, _late(concern, settings), skip)
                line = ft(ESCALATED_LINE if concern.acute else LATE_LINE)
                out += line_replies(network_feeds, concern, line, triage_choices(concern, ft))
                if concern.acute:
                    # Personal, also on a feed's channel: the feed line names no one to act.
                    out += await _escalate(uow, concern, coordinators)
            elif concern.status is not Status.RECEIVED and concern.feedback_due - ASK_AHEAD <= at:
                if concern.feedback_due > at:
                    key = f"{concern.reference}@{concern.feedback_due.isoformat()}"
                    if await uow.ledger.first_time("ask_feedback", key, at):
                        out += await _ask_ahead(uow, settings, concern, coordinators)
                    continue
                key = f"{concern.reference}@{concern.feedback_due.isoformat()}"
                if not await uow.ledger.first_time("remind_feedback", key, at):
                    continue
                late = True
                out += await _feedback_late(uow, settings, concern, at)
                out += line_replies(network_feeds, concern, ft(FEEDBACK_LINE))
        if late:
            out += await refreshed(uow, settings, network.id, at)
    return out


def _late(concern: Concern, settings: Settings) -> Compose:
    network = settings.network(concern.network_id)
    zone = settings.bot.timezone

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        head = t(NOT_ACKNOWLEDGED).format(
            reference=concern.reference, due=when(concern.acknowledge_due, zone, t)
        )
        return head + "\n\n" + alert_text(concern, network, zone, t), triage_choices(concern, t)

    return compose


async def _to_all(
    uow: UnitOfWork, members: list[Member], compose: Compose, skip: frozenset[str]
) -> list[Outgoing]:
    replies: list[Outgoing] = []
    for member in members:
        if member.id is None:
            continue
        reply = await message_for(uow, member.id, compose, skip)
        if reply is not None:
            replies.append(reply)
    return replies


async def _escalate(
    uow: UnitOfWork, concern: Concern, coordinators: list[Member]
) -> list[Outgoing]:
    backups = [m for m in coordinators if m.backup]

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        return t(ESCALATED).format(reference=concern.reference), triage_choices(concern, t)

    return await _to_all(uow, backups, compose, frozenset())


async def _ask_ahead(
    uow: UnitOfWork, settings: Settings, concern: Concern, coordinators: list[Member]
) -> list[Outgoing]:
    """Ask the assignee (or, with nobody assigned, every coordinator) for a line first."""
    zone = settings.bot.timezone
    assignee = [m for m in coordinators if m.id == concern.assignee_id]

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        text = t(FEEDBACK_ASK).format(
            reference=concern.reference, due=when(concern.feedback_due, zone, t)
        )
        choices = (
            Choice(action("still", concern.reference), t(STILL_OPEN)),
            Choice(action("status", concern.reference), t(UPDATE)),
        )
        return text, choices

    return await _to_all(uow, assignee or coordinators, compose, frozenset())


async def _feedback_late(
    uow: UnitOfWork, settings: Settings, concern: Concern, at: datetime
) -> list[Outgoing]:
    out: list[Outgoing] = []
    if concern.assignee_id is not None:
        assignee = await uow.members.get(concern.assignee_id)
        if assignee is not None:

            def remind(t: Translate) -> tuple[str, tuple[Choice, ...]]:
                return t(FEEDBACK_LATE).format(reference=concern.reference), triage_choices(
                    concern, t
                )

            # The assignee is reminded in person, also on a feed's channel.
            out += await _to_all(uow, [assignee], remind, frozenset())
    reporter = await uow.members.address_of(concern.reporter_id)
    member = await uow.members.get(concern.reporter_id)
    if reporter is not None and member is not None:
        t = translator(member.language)
        out.append(Reply(reporter, t(STILL_WORKING).format(reference=concern.reference)))
    concern.note_feedback(at, feedback_due(at, settings.deadlines))
    await uow.concerns.save(concern)
    return out
