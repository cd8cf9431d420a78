"""Case work beside the status: internal notes, reopening a closed concern, linking concerns.
None of it reaches a reporter, except that a reopened concern is open again."""

from __future__ import annotations

from bot.channels.parts import Copy
from bot.channels.replies import Choice
from bot.conversation import feed
from bot.conversation.turn import Turn
from bot.domain.deadlines import feedback_due
from bot.domain.errors import DomainError
from bot.domain.reopen import reopen
from bot.domain.timeline import EntryKind
from bot.domain.vocabulary import STATUSES, label
from bot.i18n import N_, Translate
from bot.usecases.additions import ABOUT_SLOT
from bot.usecases.triage import load_for_coordinator

NOTE_ADDED = N_(
    "Note added to the case file of {reference}. Only coordinators see it; it is not sent to "
    "the reporter."
)
REOPENED_FOR_REPORTER = N_(
    "Your concern {reference} has been taken up again: the coordinator is looking at it once "
    "more. You will hear here how it goes."
)
LINK_USE = N_("Use: /link REF1 REF2 (two concerns of your network about the same group or event).")
UNLINK_USE = N_("Use: /unlink REF1 REF2.")


async def add_case_note(turn: Turn, reference: str, text: str) -> None:
    """Add an internal note to the concern's case file (sealed; never sent to the reporter)."""
    concern = await load_for_coordinator(turn, reference, "case_note")
    if concern is None or concern.id is None:
        return
    await turn.uow.case_events.add(concern.id, EntryKind.NOTE, turn.member_id, turn.now, text)
    await turn.log("case_note", "ok", concern.reference)
    turn.say(turn.t(NOTE_ADDED).format(reference=concern.reference))


async def reopen_concern(turn: Turn, reference: str, reason: str) -> None:
    """Take a closed concern up again with a reason for colleagues; the reporter is told."""
    concern = await load_for_coordinator(turn, reference, "reopen")
    if concern is None or concern.id is None:
        return
    try:
        reopen(concern, turn.member_id, turn.now, feedback_due(turn.now, turn.settings.deadlines))
    except DomainError:
        turn.say(turn.t(N_("{reference} is not closed.")).format(reference=concern.reference))
        return
    await turn.uow.concerns.save(concern)
    await turn.uow.case_events.add(concern.id, EntryKind.REOPENED, turn.member_id, turn.now, reason)
    await turn.log("reopen", "ok", concern.reference)
    ref = concern.reference

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        return t(REOPENED_FOR_REPORTER).format(reference=ref), ()

    told = await turn.notify(concern.reporter_id, compose, Copy(f"{ABOUT_SLOT}{ref}"), ref)
    await feed.post_alert(turn, concern, replace=True)
    ft = feed.feed_translate(turn)
    feed.post_line(
        turn, concern, ft(N_("Reopened by {name}.")).format(name=turn.member.display_name)
    )
    said = turn.t(N_("{reference} is open again: {status}.")).format(
        reference=ref, status=label(STATUSES, concern.status, turn.t)
    )
    said += " " + turn.t(
        N_("The reporter has been told.") if told else N_("The reporter could not be reached.")
    )
    turn.say(said)


async def link_concerns(turn: Turn, args: str) -> None:
    """``/link REF1 REF2``: mark two concerns of the network as about the same group or event
    (shown to coordinators on both; reporters never see it)."""
    await _link(turn, args, EntryKind.LINKED)


async def unlink_concerns(turn: Turn, args: str) -> None:
    """``/unlink REF1 REF2``: undo a link."""
    await _link(turn, args, EntryKind.UNLINKED)


async def _link(turn: Turn, args: str, kind: EntryKind) -> None:
    t = turn.t
    refs = args.split()
    if len(refs) != 2:
        turn.say(t(LINK_USE if kind is EntryKind.LINKED else UNLINK_USE))
        return
    first = await load_for_coordinator(turn, refs[0], "link")
    second = None if first is None else await load_for_coordinator(turn, refs[1], "link")
    if first is None or second is None or first.id is None or second.id is None:
        return
    if first.id == second.id:
        turn.say(t(N_("A concern cannot be linked to itself.")))
        return
    linked = second.reference in await turn.uow.case_events.linked_to(first.id)
    if linked == (kind is EntryKind.LINKED):
        said = (
            N_("{first} and {second} are already linked.")
            if linked
            else N_("{first} and {second} are not linked.")
        )
        turn.say(t(said).format(first=first.reference, second=second.reference))
        return
    for one, other in ((first, second), (second, first)):
        assert one.id is not None
        await turn.uow.case_events.add(
            one.id, kind, turn.member_id, turn.now, detail=other.reference, linked_id=other.id
        )
        await turn.log(kind.value, "ok", one.reference)
    said = (
        N_("{first} and {second} are now linked. Only coordinators see this.")
        if kind is EntryKind.LINKED
        else N_("{first} and {second} are no longer linked.")
    )
    turn.say(t(said).format(first=first.reference, second=second.reference))
