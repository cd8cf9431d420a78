"""Reporter use cases: share a concern (its status: ``bot.usecases.status``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.channels.replies import Choice
from bot.conversation import feed
from bot.conversation.cards import CALLED_112, alert_text, triage_choices, when
from bot.conversation.dialog import Answer
from bot.conversation.turn import Turn
from bot.domain.deadlines import acknowledge_due, feedback_due
from bot.domain.model import Concern
from bot.domain.reference import new_reference
from bot.i18n import N_, Translate
from bot.usecases.account import ACUTE_REFERENCE, concern_fields, confirmation

UPDATE = N_("Update on {reference}:")


async def fresh_reference(turn: Turn) -> str:
    """A reference code no concern has yet."""
    while True:
        reference = new_reference()
        if not await turn.uow.concerns.reference_taken(reference):
            return reference


def concern_from(
    turn: Turn, answers: dict[str, Answer], reference: str, created: datetime
) -> Concern:
    """The concern the answers so far describe (an acute one is always shared, with contact)."""
    fields = concern_fields(answers)
    deadlines = turn.settings.deadlines_of(turn.member.network_id)
    return Concern(
        id=None,
        reference=reference,
        network_id=turn.member.network_id,
        organisation_id=turn.member.organisation_id,
        reporter_id=turn.member_id,
        **fields,
        created_at=created,
        acknowledge_due=acknowledge_due(created, fields["urgency"], deadlines),
        feedback_due=feedback_due(created, deadlines),
    )


async def alert_coordinators(
    turn: Turn,
    concern: Concern,
    head: str | None = None,
    running: bool = False,
    direct: bool = True,
) -> int:
    """Send every coordinator of the network the minimal alert (``head`` first, for an update;
    without ``direct``, only the feed's card is updated in place); return how many were
    reached, by message or through the network's feed."""
    network = turn.network
    zone = turn.settings.bot.timezone
    reached = 0
    for coordinator in await turn.uow.members.coordinators(network.id) if direct else []:
        assert coordinator.id is not None

        def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
            text = alert_text(concern, network, zone, t, running)
            if head is not None:
                text = t(head).format(reference=concern.reference) + "\n" + text
            return text, triage_choices(concern, t)

        if await turn.notify(coordinator.id, compose):
            reached += 1
        else:
            address = await turn.uow.members.address_of(coordinator.id)
            reached += address is not None and address.channel in turn.feed_channels
    await feed.post_alert(turn, concern, replace=head is not None)
    return reached


async def submit_concern(turn: Turn, answers: dict[str, Answer]) -> Concern:
    """Store a confirmed account, alert the network's coordinators and tell the reporter (an
    acute concern, already alerted at the safety answer, is completed instead)."""
    reference = str(answers.get(ACUTE_REFERENCE) or "")
    existing = await turn.uow.concerns.by_reference(reference) if reference else None
    if existing is not None:
        concern = await enrich(turn, existing, answers, final=True)
    else:
        concern = concern_from(turn, answers, await fresh_reference(turn), turn.now)
        await turn.uow.concerns.add(concern)
        await turn.log("share", "ok", concern.reference)
        await alert_coordinators(turn, concern)
    t = turn.t
    zone = turn.settings.bot.timezone
    text = t(confirmation(concern.mode)).format(
        reference=concern.reference,
        acknowledge=when(concern.acknowledge_due, zone, t),
        feedback=when(concern.feedback_due, zone, t),
    )
    if concern.acute:
        text = t(N_("Remember: in immediate danger, call 112.")) + "\n\n" + text
    turn.say(text)
    return concern


async def enrich(turn: Turn, stored: Concern, answers: dict[str, Answer], final: bool) -> Concern:
    """Write the answers given since an acute alert into its concern; when what the alert shows
    changed (or the intake is complete), update the alert."""
    fresh = concern_from(turn, answers, stored.reference, stored.created_at)
    concern = replace(
        stored,
        subject=fresh.subject or stored.subject,
        age_band=fresh.age_band or stored.age_band,
        setting=fresh.setting or stored.setting,
        source=fresh.source,
        actions_taken=fresh.actions_taken,
        identity_shown=fresh.identity_shown,
        facts=fresh.facts,
        interpretation=fresh.interpretation,
        counter_signals=fresh.counter_signals,
        sources_detail=fresh.sources_detail,
        frequency=fresh.frequency,
        informed=fresh.informed,
        area=fresh.area,
    )
    await turn.uow.concerns.save_account(concern)
    if final or _shown(stored) != _shown(concern):
        # The feed's card changes in place at every step; a message only when it matters.
        direct = final or _news(stored, concern)
        await alert_coordinators(turn, concern, UPDATE, running=not final, direct=direct)
    return concern


def _shown(concern: Concern) -> tuple[object, ...]:
    return (concern.subject, concern.age_band, concern.setting, concern.actions_taken)


def _news(before: Concern, after: Concern) -> bool:
    """Worth a message to each coordinator: 112 was called, or whom and where became known."""
    called = CALLED_112 in after.actions_taken and CALLED_112 not in before.actions_taken
    return called or (_known(after) and not _known(before))


def _known(concern: Concern) -> bool:
    return bool(concern.subject and concern.age_band and concern.setting)
