"""Reporter use cases: share a concern (its status: ``bot.usecases.status``)."""

from __future__ import annotations

from bot.channels.replies import Choice
from bot.conversation import feed
from bot.conversation.cards import alert_text, triage_choices, when
from bot.conversation.dialog import Answer
from bot.conversation.turn import Turn
from bot.domain.deadlines import acknowledge_due, feedback_due
from bot.domain.model import Concern, Mode
from bot.domain.reference import new_reference
from bot.i18n import N_, Translate


def _text(answers: dict[str, Answer], key: str) -> str:
    value = answers.get(key, "")
    return "\n".join(value) if isinstance(value, list) else value


async def _fresh_reference(turn: Turn) -> str:
    while True:
        reference = new_reference()
        if not await turn.uow.concerns.reference_taken(reference):
            return reference


async def submit_concern(turn: Turn, answers: dict[str, Answer]) -> Concern:
    """Store a confirmed account, alert the network's coordinators and tell the reporter."""
    acute = answers.get("safety") == "yes"
    actions = answers.get("actions_taken") or []
    now = turn.now
    deadlines = turn.settings.deadlines
    concern = Concern(
        id=None,
        reference=await _fresh_reference(turn),
        network_id=turn.member.network_id,
        organisation_id=turn.member.organisation_id,
        reporter_id=turn.member_id,
        mode=Mode(str(answers["mode"])),
        subject=str(answers["subject"]),
        age_band=str(answers["age_band"]),
        setting=str(answers["setting"]),
        source=str(answers["source"]),
        urgency="acute" if acute else str(answers.get("urgency", "no_rush")),
        acute=acute,
        contact_allowed=answers.get("contact") == "yes",
        identity_shown=answers.get("identity") == "name" and answers.get("mode") != "advice",
        actions_taken=tuple(str(a) for a in actions),
        facts=_text(answers, "facts"),
        interpretation=_text(answers, "interpretation"),
        counter_signals=_text(answers, "counter_signals"),
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
    text = t(
        N_(
            "Thank you. Your concern has been shared.\n"
            "Reference: {reference}\n"
            "What happens next: a coordinator of your network reads it and acknowledges it by "
            "{acknowledge} at the latest. You hear back here, at the latest by {feedback}, and "
            "every time its status changes.\n"
            "Follow it with /status."
        )
    ).format(
        reference=concern.reference,
        acknowledge=when(concern.acknowledge_due, zone),
        feedback=when(concern.feedback_due, zone),
    )
    if acute:
        text = t(N_("Remember: in immediate danger, call 112.")) + "\n\n" + text
    turn.say(text)
    return concern
