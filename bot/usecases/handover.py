"""Handing a concern over to a named colleague, with a note; both coordinators are told."""

from __future__ import annotations

from bot.channels.replies import Choice
from bot.conversation import feed
from bot.conversation.cards import action
from bot.conversation.turn import Turn
from bot.domain.model import Concern, DomainError, Member
from bot.domain.timeline import EntryKind
from bot.i18n import N_, Translate
from bot.usecases.status import taken_over
from bot.usecases.triage import load_for_coordinator

TO_NEW = N_(
    "{name} handed {reference} over to you; you are now responsible for it. Their handover "
    "note:\n{note}"
)
TO_PREVIOUS = N_("{name} handed {reference} over to {colleague}; you are no longer responsible.")
NO_COLLEAGUE = N_("There is no other coordinator in your network to hand {reference} over to.")


async def colleagues(turn: Turn, concern: Concern) -> list[Member]:
    """The coordinators of the concern's network it can be handed to: not its assignee, and not
    the actor (who takes it on with "Assign to me")."""
    keep = {concern.assignee_id, turn.member_id}
    return [
        m
        for m in await turn.uow.members.coordinators(concern.network_id)
        if m.id is not None and m.id not in keep and not m.unreachable
    ]


async def may_hand_over(turn: Turn, reference: str) -> tuple[Concern, list[Member]] | None:
    """The concern and the colleagues to choose from; otherwise say why not (refusals logged)."""
    concern = await load_for_coordinator(turn, reference, "handover")
    if concern is None:
        return None
    if not concern.is_open:
        turn.say(turn.t(N_("{reference} is closed.")).format(reference=concern.reference))
        return None
    choices = await colleagues(turn, concern)
    if not choices:
        turn.say(turn.t(NO_COLLEAGUE).format(reference=concern.reference))
        return None
    return concern, choices


async def offer_colleagues(turn: Turn, reference: str) -> None:
    """The colleagues a concern can be handed to, as choices by member id (what a form, such as
    Slack's hand-over modal, offers; refusals said and logged as for the dialog)."""
    found = await may_hand_over(turn, reference)
    if found is not None:
        concern, choices = found
        prompt = turn.t(N_("Hand {reference} over to which colleague?"))
        options = tuple(Choice(str(m.id), m.display_name) for m in choices)
        turn.say(prompt.format(reference=concern.reference), options)


async def hand_over(turn: Turn, reference: str, to_member_id: int, note: str) -> None:
    """Make ``to_member_id`` responsible for the concern, with a handover note in the case
    file; the new and the previous assignee are told directly, the reporter without names."""
    found = await may_hand_over(turn, reference)
    if found is None:
        return
    concern, choices = found
    target = next((m for m in choices if m.id == to_member_id), None)
    if target is None or concern.id is None:
        await turn.log("handover", "refused:not_a_colleague", concern.reference)
        turn.say(
            turn.t(N_("That colleague cannot take over {reference}.")).format(
                reference=concern.reference
            )
        )
        return
    previous = concern.assignee_id
    try:
        concern.assign(to_member_id)
    except DomainError:
        turn.say(turn.t(N_("{reference} is closed.")).format(reference=concern.reference))
        return
    await turn.uow.concerns.save(concern)
    await turn.uow.case_events.add(
        concern.id, EntryKind.HANDOVER, turn.member_id, turn.now, note, subject_id=to_member_id
    )
    await turn.log("handover", "ok", concern.reference, subject_member_id=to_member_id)
    ref, actor = concern.reference, turn.member.display_name

    def to_new(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        text = t(TO_NEW).format(name=actor, reference=ref, note=note)
        return text, (Choice(action("details", ref), t(N_("View details"))),)

    def to_previous(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        return t(TO_PREVIOUS).format(name=actor, reference=ref, colleague=target.display_name), ()

    told = [target.display_name] if await turn.notify(to_member_id, to_new, direct=True) else []
    others = previous is not None and previous not in (turn.member_id, to_member_id)
    if others and previous is not None and await turn.notify(previous, to_previous, direct=True):
        former = await turn.uow.members.get(previous)
        told.append(former.display_name if former is not None else "")
    if previous != to_member_id:
        await turn.notify(concern.reporter_id, taken_over(ref))
    await feed.post_alert(turn, concern, replace=True)
    ft = feed.feed_translate(turn)
    feed.post_line(turn, concern, ft(N_("Handed over to {name}.")).format(name=target.display_name))
    said = turn.t(N_("{reference} is now assigned to {name}.")).format(
        reference=ref, name=target.display_name
    )
    if told:
        said += " " + turn.t(N_("Told directly: {names}.")).format(names=", ".join(told))
    else:
        said += " " + turn.t(N_("{name} could not be reached; tell them yourself.")).format(
            name=target.display_name
        )
    turn.say(said)
