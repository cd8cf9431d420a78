"""Coordinator use cases: list, look, acknowledge, assign, move a concern through its statuses."""

from __future__ import annotations

from bot.channels.parts import Copy, View
from bot.channels.replies import Choice
from bot.conversation import feed
from bot.conversation.cards import action, card_text, details_text, triage_choices
from bot.conversation.turn import Turn
from bot.domain.deadlines import feedback_due
from bot.domain.model import Concern, DomainError, Outcome, Role, Status
from bot.domain.reference import normalise_reference
from bot.domain.timeline import EntryKind
from bot.domain.vocabulary import OUTCOMES, STATUSES, label
from bot.i18n import N_, Translate
from bot.scheduling.jobs.details import details_copy
from bot.usecases.additions import ABOUT_SLOT
from bot.usecases.casefile import reporter_label, timeline_of, timeline_text
from bot.usecases.reporter_presence import reporter_left
from bot.usecases.status import status_message, taken_over

HANDOVER = 6
"""Hand over's fixed number, after the five triage actions (``TRIAGE_POSITIONS``)."""
DETAILS_REMOVED = N_(
    "Where the chat app allows it, the bot deletes this message from the chat after {hours} "
    "hours; open the details again when you need them."
)
USEFUL_CHOICES = {"yes": N_("Yes"), "partly": N_("Partly"), "no": N_("No")}


async def load_for_coordinator(turn: Turn, reference: str, what: str) -> Concern | None:
    """The concern, if the actor coordinates its network; otherwise refuse and log it."""
    t = turn.t
    ref = normalise_reference(reference)
    concern = await turn.uow.concerns.by_reference(ref)
    allowed = (
        concern is not None
        and turn.member.role is Role.COORDINATOR
        and concern.network_id == turn.member.network_id
    )
    if not allowed:
        await turn.log(what, "denied", ref if concern is not None else None)
        turn.say(t(N_("There is no concern {reference} that you can see.")).format(reference=ref))
        return None
    return concern


async def show_card(turn: Turn, reference: str) -> None:
    """Show one concern's card (no free text) with the actions."""
    concern = await load_for_coordinator(turn, reference, "show")
    if concern is None:
        return
    assignee = (
        None if concern.assignee_id is None else await turn.uow.members.get(concern.assignee_id)
    )
    zone = turn.settings.bot.timezone
    left = await reporter_left(turn.uow, concern)
    text = card_text(concern, turn.network, zone, turn.t, assignee, left)
    assert concern.id is not None
    for linked in await turn.uow.case_events.linked_to(concern.id):
        text += "\n" + turn.t(N_("Linked to {reference}")).format(reference=linked)
    choices = _choices(turn, concern, left)
    if concern.is_open:
        choices += (
            Choice(action("handover", concern.reference), turn.t(N_("Hand over")), HANDOVER),
        )
    turn.say(text, choices)


async def view_details(turn: Turn, reference: str) -> None:
    """Show the full account; every opening writes an access-log row."""
    concern = await load_for_coordinator(turn, reference, "view_details")
    if concern is None:
        return
    reporter = await turn.uow.members.get(concern.reporter_id)
    who = reporter_label(concern, reporter, turn.network, turn.t)
    await turn.log("view_details", "ok", concern.reference)
    zone = turn.settings.bot.timezone
    hours = turn.settings.scheduler.details_removal_hours
    entries = await timeline_of(turn.uow, concern, turn.t, turn.network)
    left = await reporter_left(turn.uow, concern)
    text = (
        details_text(concern, who, zone, turn.t, left)
        + "\n\n"
        + timeline_text(entries, zone, turn.t)
        + "\n\n"
        + turn.t(DETAILS_REMOVED).format(hours=hours)
    )
    # The copy is recorded where it lands in a chat, so that it can be deleted from it later.
    turn.say(
        text,
        _choices(turn, concern, left),
        view=View("details", concern.reference),
        copy=Copy(details_copy(concern.reference)),
        concern=concern.reference,
    )


async def acknowledge(turn: Turn, reference: str) -> None:
    """Take responsibility for a concern; the reporter hears of it."""
    concern = await load_for_coordinator(turn, reference, "acknowledge")
    if concern is None:
        return
    try:
        concern.acknowledge(turn.member_id, turn.now)
    except DomainError:
        turn.say(
            turn.t(N_("{reference} was already acknowledged.")).format(reference=concern.reference)
        )
        return
    await _after_status_change(turn, concern, "")
    turn.say(
        turn.t(N_("You acknowledged {reference}; the reporter has been told.")).format(
            reference=concern.reference
        ),
        _choices(turn, concern, False),
    )


async def assign_to_self(turn: Turn, reference: str) -> None:
    """Make the actor the coordinator responsible for a concern."""
    concern = await load_for_coordinator(turn, reference, "assign")
    if concern is None:
        return
    previous = concern.assignee_id
    try:
        concern.assign(turn.member_id)
    except DomainError:
        turn.say(turn.t(N_("{reference} is closed.")).format(reference=concern.reference))
        return
    await turn.uow.concerns.save(concern)
    assert concern.id is not None
    await turn.uow.case_events.add(
        concern.id, EntryKind.ASSIGNED, turn.member_id, turn.now, subject_id=turn.member_id
    )
    await turn.log("assign", "ok", concern.reference)
    if previous is not None and previous != turn.member_id:
        await turn.notify(concern.reporter_id, taken_over(concern.reference))
    await feed.post_alert(turn, concern, replace=True)
    feed.post_line(
        turn,
        concern,
        feed.feed_translate(turn)(N_("Assigned to {name}.")).format(name=turn.member.display_name),
    )
    turn.say(
        turn.t(N_("{reference} is now assigned to you.")).format(reference=concern.reference),
        _choices(turn, concern, False),
    )


async def set_status(
    turn: Turn,
    reference: str,
    status: Status,
    outcome: Outcome | None,
    note: str,
    reason: str = "",
) -> None:
    """Move a concern forward with an optional feedback note for the reporter and an internal
    reason for colleagues (in the case file only); the reporter hears of the change."""
    concern = await load_for_coordinator(turn, reference, "status_change")
    if concern is None:
        return
    try:
        concern.move_to(status, turn.member_id, turn.now, outcome, note)
    except DomainError as error:
        await turn.log("status_change", f"refused:{error}", concern.reference)
        turn.say(
            turn.t(N_("That status change is not possible: {reference} is {status}.")).format(
                reference=concern.reference, status=label(STATUSES, concern.status, turn.t)
            )
        )
        return
    if reason:
        assert concern.id is not None
        await turn.uow.case_events.add(
            concern.id, EntryKind.STATUS, turn.member_id, turn.now, reason, status.value
        )
    await _after_status_change(turn, concern, note)
    turn.say(
        turn.t(N_("{reference} is now: {status}. The reporter has been told.")).format(
            reference=concern.reference, status=label(STATUSES, concern.status, turn.t)
        )
    )


async def _after_status_change(turn: Turn, concern: Concern, note: str) -> None:
    concern.note_feedback(turn.now, feedback_due(turn.now, turn.settings.deadlines))
    await turn.uow.concerns.save(concern)
    await turn.log("status_change", f"ok:{concern.status.value}", concern.reference)

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        if concern.status is not Status.CLOSED:
            return status_message(concern, note, t), ()
        question = t(N_("Was sharing this concern useful to you?"))
        choices = tuple(
            Choice(action("useful", f"{concern.reference}~{key}"), t(text))
            for key, text in USEFUL_CHOICES.items()
        )
        return status_message(concern, note, t) + "\n\n" + question, choices

    # Recorded where it lands, so that a reply to it adds to the concern.
    copy = Copy(f"{ABOUT_SLOT}{concern.reference}")
    await turn.notify(concern.reporter_id, compose, copy, concern.reference)
    await feed.post_alert(turn, concern, replace=True)
    ft = feed.feed_translate(turn)
    line = ft(N_("{status} by {name}.")).format(
        status=label(STATUSES, concern.status, ft), name=turn.member.display_name
    )
    if concern.outcome is not None and concern.status is Status.CLOSED:
        line += f" {ft(N_('Outcome'))}: {label(OUTCOMES, concern.outcome, ft)}."
    if note:
        line += " " + ft(N_("Feedback was sent to the reporter."))
    feed.post_line(turn, concern, line)


def _choices(turn: Turn, concern: Concern, left: bool) -> tuple[Choice, ...]:
    """The triage actions for the coordinator who reads them: no "Assign to me" for the one
    the concern is already assigned to."""
    mine = concern.assignee_id == turn.member_id
    return tuple(
        c
        for c in triage_choices(concern, turn.t, left)
        if not (mine and c.id == action("assign", concern.reference))
    )
