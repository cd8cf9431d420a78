"""The acute path: the alert goes out at the safety answer, the rest of the intake enriches it."""

from __future__ import annotations

from bot.conversation.dialog import Answer
from bot.conversation.turn import Turn
from bot.i18n import N_, N_plural, ngettext
from bot.usecases.account import ACUTE_REFERENCE
from bot.usecases.reporting import (
    alert_coordinators,
    concern_from,
    enrich,
    fresh_reference,
)

ALERTED = N_plural(
    "The acute alert has gone out to {count} coordinator of {network}, with what is known "
    "now: your organisation, acute, the time.\nReference: {reference}",
    "The acute alert has gone out to {count} coordinators of {network}, with what is known "
    "now: your organisation, acute, the time.\nReference: {reference}",
)
ALERTED_NONE = N_(
    "No coordinator of {network} can be reached through this bot right now. Call 112 if "
    "someone is in danger. Your concern is stored as acute and reaches the coordinators as "
    "soon as they can be reached.\nReference: {reference}"
)
CALL_112 = N_("Call 112 now if you have not done so yet.")
STOPPED = N_(
    "Stopped. The acute alert was sent; what you answered so far is with the coordinator "
    "(reference {reference}). In immediate danger, call 112."
)


async def raise_alert(turn: Turn, answers: dict[str, Answer]) -> dict[str, Answer]:
    """Store the acute concern with what is known and alert the coordinators now."""
    concern = concern_from(turn, answers, await fresh_reference(turn), turn.now)
    await turn.uow.concerns.add(concern)
    await turn.log("share", "acute", concern.reference)
    reached = await alert_coordinators(turn, concern, running=True)
    t = turn.t
    text = t(ALERTED_NONE) if reached == 0 else ngettext(t, ALERTED, reached)
    said = text.format(count=reached, network=turn.network.name, reference=concern.reference)
    # 112 comes first: the reporter reads it before anything about this bot.
    turn.say(t(CALL_112) + "\n\n" + said)
    return {ACUTE_REFERENCE: concern.reference}


async def on_answer(turn: Turn, step: str, answers: dict[str, Answer]) -> dict[str, Answer] | None:
    """At "someone is in danger now", alert at once; after it, keep the concern up to date."""
    reference = answers.get(ACUTE_REFERENCE)
    if not reference:
        return await raise_alert(turn, answers) if answers.get("safety") == "yes" else None
    stored = await turn.uow.concerns.by_reference(str(reference))
    if stored is not None:
        await enrich(turn, stored, answers, final=False)
    return None


async def on_cancel(turn: Turn, answers: dict[str, Answer]) -> bool:
    """After an acute alert, stopping leaves it shared; say so truthfully."""
    reference = answers.get(ACUTE_REFERENCE)
    if not reference:
        return False
    turn.say(turn.t(STOPPED).format(reference=reference))
    return True
