"""/list for coordinators: the network's open concerns, one row each (age, next deadline,
assignee, waiting for the reporter), narrowed by filters (see ``list_filters``)."""

from __future__ import annotations

from datetime import datetime

from bot.channels.replies import Choice
from bot.conversation.cards import action, when
from bot.conversation.home import age as span_ago
from bot.conversation.turn import Turn
from bot.domain.model import Concern, Role, Status
from bot.domain.vocabulary import STATUSES, label
from bot.i18n import N_, Translate
from bot.usecases.list_filters import Filters, parse_filters

SHOWN = 20
"""Rows a list shows at most; the rest is counted."""


async def list_open(turn: Turn, args: str = "") -> None:
    """Show the network's open concerns, late ones first, each as a choice; ``args`` holds
    the filters (``mine late``, ``org school-noord`` …)."""
    t = turn.t
    if turn.member.role is not Role.COORDINATOR:
        await turn.log("list", "denied")
        turn.say(t(N_("Only coordinators can list concerns. /status shows your own.")))
        return
    filters = parse_filters(args, turn.network, t)
    if isinstance(filters, str):
        turn.say(filters)
        return
    now = turn.now
    everything = await turn.uow.concerns.open_in_network(turn.member.network_id)
    concerns = [c for c in everything if kept(c, filters, turn.member_id, now)]
    if not concerns:
        turn.say(
            t(N_("There are no open concerns in your network."))
            if not filters.named(t)
            else t(N_("No open concern matches {filters}.")).format(
                filters=", ".join(filters.named(t))
            )
        )
        return
    concerns.sort(key=lambda c: (not c.is_overdue(now), not c.acute, c.created_at))
    waiting = await turn.uow.questions.awaiting_answer([c.id for c in concerns if c.id])
    names = await _assignees(turn, concerns)
    head = t(N_("Open concerns (overdue first):"))
    if filters.named(t):
        head = t(N_("Open concerns matching {filters} (overdue first):")).format(
            filters=", ".join(filters.named(t))
        )
    lines = [head]
    zone = turn.settings.bot.timezone
    for concern in concerns[:SHOWN]:
        assignee = names.get(concern.assignee_id) if concern.assignee_id else None
        lines.append(row(concern, now, zone, t, assignee, concern.id in waiting))
    if len(concerns) > SHOWN:
        lines.append(t(N_("… and {count} more.")).format(count=len(concerns) - SHOWN))
    choices = tuple(Choice(action("show", c.reference), c.reference) for c in concerns[:SHOWN])
    turn.say("\n".join(lines), choices)


def kept(concern: Concern, filters: Filters, me: int, now: datetime) -> bool:
    """True when ``concern`` passes every filter that is set."""
    return not (
        (filters.mine and concern.assignee_id != me)
        or (filters.unassigned and concern.assignee_id is not None)
        or (filters.late and not concern.is_overdue(now))
        or (filters.acute and not concern.acute)
        or (filters.organisation is not None and concern.organisation_id != filters.organisation.id)
    )


def age(concern: Concern, now: datetime, t: Translate) -> str:
    """How long ago the concern was shared, as the Home tab says it: ``3 days``, ``5 hours``,
    ``12 minutes`` (never "0 hours")."""
    return span_ago(t, now - concern.created_at)


def deadline(concern: Concern, now: datetime, zone: str, t: Translate) -> str:
    """The next deadline: acknowledge by (until acknowledged), else feedback by; late if past."""
    if concern.status is Status.RECEIVED:
        text = t(N_("acknowledge by {moment}")).format(
            moment=when(concern.acknowledge_due, zone, t)
        )
    else:
        text = t(N_("feedback by {moment}")).format(moment=when(concern.feedback_due, zone, t))
    return text + (" — " + t(N_("LATE")) if concern.is_overdue(now) else "")


def row(
    concern: Concern, now: datetime, zone: str, t: Translate, assignee: str | None, waiting: bool
) -> str:
    """One line of the list: no free text, only what the card shows too."""
    parts = [concern.reference]
    if concern.acute:
        parts.append(t(N_("ACUTE")))
    parts += [
        label(STATUSES, concern.status, t),
        age(concern, now, t),
        deadline(concern, now, zone, t),
        assignee or t(N_("unassigned")),
    ]
    if waiting:
        parts.append(t(N_("waiting for the reporter")))
    return "• " + " · ".join(parts)


async def _assignees(turn: Turn, concerns: list[Concern]) -> dict[int, str]:
    """The display names of the concerns' assignees, by member id."""
    names = {}
    for member_id in {c.assignee_id for c in concerns if c.assignee_id is not None}:
        member = await turn.uow.members.get(member_id)
        if member is not None:
            names[member_id] = member.display_name
    return names
