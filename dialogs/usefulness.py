"""After a concern is closed: was sharing useful? The answer is kept once, a remark optional."""

from __future__ import annotations

from bot.conversation.dialog import Answer, Dialog, Kind, Step
from bot.conversation.flows import Flow
from bot.conversation.text import clean
from bot.conversation.turn import Turn
from bot.domain.model import Status
from bot.domain.reference import normalise_reference
from bot.i18n import N_

ANSWERS = ("yes", "partly", "no")


async def _begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    reference, _, answer = argument.partition("~")
    concern = await turn.uow.concerns.by_reference(normalise_reference(reference))
    if concern is not None and concern.reporter_id != turn.member_id:
        await turn.log("usefulness", "denied", concern.reference)
    if (
        concern is None
        or concern.id is None
        or concern.reporter_id != turn.member_id
        or concern.status is not Status.CLOSED
        or answer not in ANSWERS
    ):
        turn.say(turn.t(N_("That button is no longer valid.")))
        return None
    if not await turn.uow.usefulness.record(concern.id, concern.network_id, answer, turn.now):
        turn.say(turn.t(N_("You already told us. Thank you.")))
        return None
    return {"_concern": str(concern.id)}


async def _complete(turn: Turn, answers: dict[str, Answer]) -> None:
    remark = clean(str(answers.get("remark") or ""))
    if remark:
        await turn.uow.usefulness.add_remark(int(str(answers["_concern"])), remark)
    turn.say(turn.t(N_("Thank you. This helps the network do better.")))


USEFULNESS = Flow(
    dialog=Dialog(
        name="usefulness",
        first="remark",
        help=N_("You can add a remark about how your concern was handled, or skip."),
        cancelled=N_("Thank you for your answer."),
        steps=(
            Step(
                "remark",
                N_("Thank you. Anything you would like to add? (optional, no names)"),
                kind=Kind.TEXT,
                skippable=True,
            ),
        ),
    ),
    begin=_begin,
    complete=_complete,
)
