"""Small reporter dialogs: answer a relayed question."""

from __future__ import annotations

from bot.conversation.dialog import Answer, Answers, Dialog, Kind, Step
from bot.conversation.flows import Flow
from bot.conversation.turn import Turn
from bot.i18n import N_, Translate
from bot.usecases.relay import answer_question, question_for_reporter


def _prompt(answers: Answers, t: Translate) -> str:
    return t(N_("Type your answer to the question about {reference}:")).format(
        reference=str(answers.get("_reference", ""))
    )


async def _begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    reference = await question_for_reporter(turn, argument)
    return None if reference is None else {"_question": argument, "_reference": reference}


async def _complete(turn: Turn, answers: dict[str, Answer]) -> None:
    await answer_question(turn, str(answers["_question"]), str(answers["answer"]))


ANSWER = Flow(
    dialog=Dialog(
        name="answer_question",
        first="answer",
        help=N_("You are answering a coordinator's question. /cancel stops without sending."),
        cancelled=N_("Nothing was sent. You can answer later with the button on the question."),
        steps=(Step("answer", _prompt, kind=Kind.TEXT),),
    ),
    begin=_begin,
    complete=_complete,
)
