"""The coordinator's desk in a channel that keeps a home view (Slack's App Home): the network's
open concerns, their own queue first, most urgent first, with the alert's actions. Remade in
full for each coordinator who opened it whenever a concern of the network moves; the outbox
keeps only the newest not yet sent (``bot.storage.outbox``). Never free text of a concern."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.channels.events import Address
from bot.channels.home import HomeCard, HomeSection, HomeView
from bot.conversation.cards import triage_choices, when
from bot.conversation.turn import Turn
from bot.domain.model import Concern, Member, Role, Status
from bot.domain.vocabulary import STATUSES, label
from bot.i18n import N_, Translate, duration, translator
from bot.settings import Settings
from bot.storage.uow import UnitOfWork

HOME_SLOT = "home"
"""The posted-messages slot that records, per address, that its member opened the home view."""
OPENED = "opened"
MOST = 60
"""Cards carried at most (a channel may show fewer: Slack's 100 blocks hold fewer)."""
TITLE = N_("Open concerns of {network}")
INTRO = N_(
    "{open} open · {mine} assigned to you · {late} overdue. The buttons answer in your direct "
    "messages with the bot; every opening of details is logged."
)
MINE = N_("Your queue")
MINE_EMPTY = N_("Nothing is assigned to you.")
OTHERS = N_("Everything else that is open")
OTHERS_EMPTY = N_("No other concern is open.")
SHARED_AGO = N_("shared {age} ago")
UNASSIGNED = N_("Unassigned")
NOT_FOR_YOU = N_(
    "This tab is for the coordinators of a network: it shows their open concerns and what to do "
    "next. You have no such role here. Type /concern help to see what you can do."
)


def next_deadline(concern: Concern) -> datetime:
    """The deadline that comes next: acknowledging, or else the next news for the reporter."""
    return concern.acknowledge_due if concern.status is Status.RECEIVED else concern.feedback_due


def urgency(concern: Concern, now: datetime) -> tuple[bool, bool, datetime]:
    """Sort key, most urgent first: overdue, then acute, then the nearest deadline."""
    return (not concern.is_overdue(now), not concern.acute, next_deadline(concern))


def age(t: Translate, span: timedelta) -> str:
    """How long ago, in whole days, hours or minutes: ``3 days``."""
    seconds = max(int(span.total_seconds()), 0)
    if seconds >= 86400:
        return duration(t, days=seconds // 86400)
    if seconds >= 3600:
        return duration(t, hours=seconds // 3600)
    return duration(t, minutes=max(seconds // 60, 1))


def card(
    concern: Concern, assignee: str, t: Translate, zone: str, now: datetime, mine: bool = False
) -> HomeCard:
    """One concern: reference, acute, status; age and next deadline (overdue); assignee; the
    alert's actions (but "Assign to me" on what is the viewer's already)."""
    acute = [t(N_("ACUTE"))] if concern.acute else []
    head = " · ".join([concern.reference, *acute, label(STATUSES, concern.status, t)])
    due = N_("Acknowledge by") if concern.status is Status.RECEIVED else N_("Feedback by")
    timing = f"{t(SHARED_AGO).format(age=age(t, now - concern.created_at))} · "
    timing += f"{t(due)}: {when(next_deadline(concern), zone, t)}"
    if concern.is_overdue(now):
        timing += " — " + t(N_("OVERDUE"))
    who = f"{t(N_('Assigned to'))}: {assignee}" if assignee else t(UNASSIGNED)
    choices = tuple(c for c in triage_choices(concern, t) if not (mine and ":assign:" in c.id))
    return HomeCard(concern.reference, "\n".join((head, timing, who)), choices)


async def view_for(
    uow: UnitOfWork,
    settings: Settings,
    member: Member,
    to: Address,
    now: datetime,
    open_ones: list[Concern] | None = None,
) -> HomeView:
    """The home view of the coordinator ``member`` at ``to``, in their language (of the
    network's ``open_ones`` when the caller has them already)."""
    t = translator(member.language)
    network = settings.network(member.network_id)
    if open_ones is None:
        open_ones = await uow.concerns.open_in_network(member.network_id)
    concerns = sorted(open_ones, key=lambda c: urgency(c, now))
    names = {m.id: m.display_name for m in await uow.members.coordinators(network.id)}
    for concern in concerns:
        if concern.assignee_id is not None and concern.assignee_id not in names:
            other = await uow.members.get(concern.assignee_id)
            names[concern.assignee_id] = other.display_name if other is not None else ""
    zone = settings.bot.timezone
    mine = [c for c in concerns if c.assignee_id == member.id]
    others = [c for c in concerns if c.assignee_id != member.id]
    shown_mine, shown_others = mine[:MOST], others[: max(MOST - len(mine), 0)]

    def cards(found: list[Concern]) -> tuple[HomeCard, ...]:
        return tuple(
            card(c, names.get(c.assignee_id, ""), t, zone, now, c.assignee_id == member.id)
            for c in found
        )

    late = sum(c.is_overdue(now) for c in concerns)
    return HomeView(
        to,
        member.language,
        t(TITLE).format(network=network.name),
        t(INTRO).format(open=len(concerns), mine=len(mine), late=late),
        (
            HomeSection(t(MINE), cards(shown_mine), t(MINE_EMPTY)),
            HomeSection(t(OTHERS), cards(shown_others), t(OTHERS_EMPTY)),
        ),
        hidden=len(concerns) - len(shown_mine) - len(shown_others),
    )


async def refreshed(
    uow: UnitOfWork, settings: Settings, network_id: str, now: datetime
) -> list[HomeView]:
    """A fresh home view for each coordinator of the network who has opened theirs."""
    views: list[HomeView] = []
    open_ones: list[Concern] | None = None
    for opened in await uow.posted.in_slot(HOME_SLOT):
        member = await uow.members.by_address(opened.address)
        if member is None or member.role is not Role.COORDINATOR:
            continue
        if member.network_id == network_id:
            if open_ones is None:  # read once for all of the network's viewers
                open_ones = await uow.concerns.open_in_network(network_id)
            views.append(await view_for(uow, settings, member, opened.address, now, open_ones))
    return views


async def refresh(turn: Turn, network_id: str) -> None:
    """After a concern of the network moved: its coordinators' home views, made again."""
    turn.replies.extend(await refreshed(turn.uow, turn.settings, network_id, turn.now))


async def open_home(turn: Turn) -> None:
    """The actor opened their home view: a coordinator gets the desk (and it is kept up to date
    from now on); anyone else a line saying what the tab is for, and no data."""
    if turn.member.role is not Role.COORDINATOR:
        turn.say(turn.t(NOT_FOR_YOU))
        return
    await turn.uow.posted.record(turn.address, HOME_SLOT, OPENED, None, turn.now)
    view = await view_for(turn.uow, turn.settings, turn.member, turn.address, turn.now)
    turn.replies.append(replace(view, opened=True))
