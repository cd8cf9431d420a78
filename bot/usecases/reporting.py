"""Reporter use cases: share a concern, see its status."""

from __future__ import annotations

from bot.channels.replies import Choice
from bot.conversation import feed
from bot.conversation.cards import alert_text, reporter_line, triage_choices, when
from bot.conversation.dialog import Answer
from bot.conversation.turn import Turn
from bot.domain.deadlines import acknowledge_due, feedback_due
from bot.domain.model import Concern
from bot.domain.reference import new_reference
from bot.i18n import N_, Translate
from bot.usecases.account import concern_fields, confirmation


async def _fresh_reference(turn: Turn) -> str:
    while True:
        reference = new_reference()
        if not await turn.uow.concerns.reference_taken(reference):
            return reference


async def submit_concern(turn: Turn, answers: dict[str, Answer]) -> Concern:
    """Store a confirmed account, alert the network's coordinators and tell the reporter."""
    acute = answers.get("safety") == "yes"
    now = turn.now
    deadlines = turn.settings.deadlines
    concern = Concern(
        id=None,
        reference=await _fresh_reference(turn),
        network_id=turn.member.network_id,
        organisation_id=turn.member.organisation_id,
        reporter_id=turn.member_id,
        **concern_fields(answers),
        created_at=now,
        acknowledge_due=acknowledge_due(now, acute, deadlines),
        feedback_due=feedback_due(now, deadlines),
    )
    await turn.uow.concerns.add(concern)
    await turn.log("share", "ok", concern.reference)
    network = turn.network
    zone = turn.settings.bot.timezone
    for coordinator in await turn.uow.members.coordinators(network.id):
        assert coordinator.id is not None

        def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
            return alert_text(concern, network, zone, t), triage_choices(concern, t)

        await turn.notify(coordinator.id, compose)
    await feed.post_alert(turn, concern)
    t = turn.t
    text = t(confirmation(concern.mode)).format(
        reference=concern.reference,
        acknowledge=when(concern.acknowledge_due, zone, t),
        feedback=when(concern.feedback_due, zone, t),
    )
    if acute:
        text = t(N_("Remember: in immediate danger, call 112.")) + "\n\n" + text
    turn.say(text)
    return concern


async def show_status(turn: Turn) -> None:
    """List the reporter's own concerns with status and last feedback."""
    t = turn.t
    concerns = await turn.uow.concerns.of_reporter(turn.member_id)
    if not concerns:
        turn.say(t(N_("You have not shared any concerns yet. Start with /new.")))
        return
    zone = turn.settings.bot.timezone
    lines = [t(N_("Your concerns:"))] + [reporter_line(c, zone, t) for c in concerns]
    turn.say("\n".join(lines))
