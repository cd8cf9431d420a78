"""Confirmations before anything is erased: /forgetme for a member, /erase for a concern."""

from __future__ import annotations

from bot.conversation.dialog import CANCEL, END, Answer, Answers, Dialog, Option, Step
from bot.conversation.flows import EVERYONE, Flow
from bot.conversation.turn import Turn
from bot.domain.model import Role
from bot.i18n import N_, Translate
from bot.usecases.data_rights import erase_concern, forget_member
from bot.usecases.triage import load_for_coordinator

_CONFIRM = (Option("yes", N_("Yes, erase")), Option("no", N_("No, keep")))


def _confirmed(answers: Answers) -> str:
    return END if answers.get("confirm") == "yes" else CANCEL


async def _forget(turn: Turn, answers: dict[str, Answer]) -> None:
    await forget_member(turn)


FORGET = Flow(
    dialog=Dialog(
        name="forgetme",
        first="confirm",
        help=N_("Erasing your account cannot be undone."),
        cancelled=N_("Nothing was erased."),
        steps=(
            Step(
                "confirm",
                N_(
                    "Erase your account? Your name and the link to this chat are deleted. "
                    "Concerns you shared stay with the network under a pseudonym until their "
                    "retention ends. Tip: /mydata first gives you a copy of everything."
                ),
                options=_CONFIRM,
                next=_confirmed,
            ),
        ),
    ),
    complete=_forget,
    roles=EVERYONE,
)


def _erase_prompt(answers: Answers, t: Translate) -> str:
    return t(
        N_(
            "Erase {reference} with its history, questions and answers, and the messages posted "
            "about it? This cannot be undone."
        )
    ).format(reference=answers.get("_reference", ""))


async def _erase_begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    if not argument.strip():
        turn.say(turn.t(N_("Use: /erase REFERENCE")))
        return None
    concern = await load_for_coordinator(turn, argument, "delete")
    return None if concern is None else {"_reference": concern.reference}


async def _erase(turn: Turn, answers: dict[str, Answer]) -> None:
    await erase_concern(turn, str(answers["_reference"]))


ERASE = Flow(
    dialog=Dialog(
        name="erase",
        first="confirm",
        help=N_("Erasing a concern on request cannot be undone."),
        cancelled=N_("Nothing was erased."),
        steps=(Step("confirm", _erase_prompt, options=_CONFIRM, next=_confirmed),),
    ),
    begin=_erase_begin,
    complete=_erase,
    roles=(Role.COORDINATOR,),
)
