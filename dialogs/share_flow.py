"""Wires the share-a-concern dialog to the core: its context in, the submitted concern out."""

from __future__ import annotations

from bot.conversation.dialog import MESSAGES, Answer
from bot.conversation.flows import Flow
from bot.conversation.turn import Turn
from bot.domain.model import Mode
from bot.i18n import N_plural, ngettext
from bot.usecases import acute
from bot.usecases.referrals import offer_referrals
from bot.usecases.reporting import submit_concern
from dialogs import advice
from dialogs.share.area import AREAS
from dialogs.share.texts import ADVICE
from dialogs.share_concern import DIALOG

REMOVED = N_plural(
    "I removed your message with the account from this chat, so it is not left on "
    "your phone; the account itself is stored encrypted. /settings turns this off.",
    "I removed your {count} messages with the account from this chat, so it is not left on "
    "your phone; the account itself is stored encrypted. /settings turns this off.",
)


async def _begin(turn: Turn, argument: str) -> dict[str, Answer]:
    deadlines = turn.settings.deadlines_of(turn.member.network_id)
    areas = {AREAS: list(turn.network.areas)} if turn.network.areas else {}
    return {
        **areas,
        "_retention_days": str(turn.network.retention_days),
        "_ack_days": str(deadlines.longest_working_days()),
        "_feedback_days": str(deadlines.feedback_days),
    }


async def _complete(turn: Turn, answers: dict[str, Answer]) -> None:
    if answers.get("privacy") == ADVICE:  # from the card straight to the consult
        seen = {**answers, "privacy": "continue"}  # the consult's card, read and accepted
        await advice.hand_over(turn, advice.DIALOG, "question", seen)
        return
    concern = await submit_concern(turn, answers)
    sent = answers.get(MESSAGES)
    if isinstance(sent, list) and sent and turn.member.remove_messages:
        turn.remove(sent)
        turn.say(ngettext(turn.t, REMOVED, len(sent)).format(count=len(sent)))
    if not concern.acute and (concern.mode is Mode.ADVICE or concern.setting == "home"):
        offer_referrals(turn)  # a consult, or partly a matter of safety at home


FLOW = Flow(
    dialog=DIALOG,
    begin=_begin,
    complete=_complete,
    keeps_account=True,
    on_answer=acute.on_answer,
    on_cancel=acute.on_cancel,
)
