"""Small reporter dialogs: answer a relayed question (or say which one a typed message answers),
add to a concern, write to its coordinator."""

from __future__ import annotations

from collections.abc import Callable

from bot.conversation.dialog import Answer, Answers, Dialog, Kind, Option, Step
from bot.conversation.dialog.steps import as_list
from bot.conversation.flows import Flow
from bot.conversation.turn import Turn
from bot.domain.model import Role
from bot.i18n import N_, Translate
from bot.usecases.additions import ADDITION, MESSAGE, add_to_concern, own_concern
from bot.usecases.relay import answer_question, preview, question_for_reporter, waiting_questions


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


def _which_options(answers: Answers) -> tuple[Option, ...]:
    pairs = [str(line).split("\t", 1) for line in as_list(answers.get("_options"))]
    return tuple(Option(pair[0], pair[1]) for pair in pairs if len(pair) == 2)


def _which_prompt(answers: Answers, t: Translate) -> str:
    return t(
        N_(
            "A coordinator asked you more than one question. Which one does your message "
            "answer? I keep your message until you choose."
        )
    )


async def _which_begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    waiting = await waiting_questions(turn)
    if not waiting or not argument.strip():
        return None
    options = [f"{q.id}\t{reference}: {preview(q.question, 48)}" for q, reference in waiting]
    return {"_text": argument, "_options": options}


async def _which_complete(turn: Turn, answers: dict[str, Answer]) -> None:
    await answer_question(turn, str(answers["question"]), str(answers["_text"]), typed=True)


WHICH = Flow(
    dialog=Dialog(
        name="which_question",
        first="question",
        help=N_("Choose the question your message answers. /cancel stops without sending."),
        cancelled=N_("Nothing was sent. You can answer later with the button on the question."),
        steps=(Step("question", _which_prompt, options=_which_options),),
    ),
    begin=_which_begin,
    complete=_which_complete,
)


def _later_prompt(kind: str) -> Callable[[Answers, Translate], str]:
    def prompt(answers: Answers, t: Translate) -> str:
        text = (
            N_("Type what you want to add to {reference}. It is stored encrypted with it.")
            if kind == ADDITION
            else N_("Type your message to the coordinator about {reference}.")
        )
        return t(text).format(reference=str(answers.get("_reference", "")))

    return prompt


async def _later_begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    concern = await own_concern(turn, argument)
    return None if concern is None else {"_reference": concern.reference}


def _later_flow(name: str, kind: str) -> Flow:
    async def complete(turn: Turn, answers: dict[str, Answer]) -> None:
        await add_to_concern(turn, str(answers["_reference"]), str(answers["text"]), kind)

    return Flow(
        dialog=Dialog(
            name=name,
            first="text",
            help=N_("Type your text; /cancel stops without sending."),
            cancelled=N_("Nothing was sent."),
            steps=(Step("text", _later_prompt(kind), kind=Kind.TEXT),),
        ),
        begin=_later_begin,
        complete=complete,
        roles=(Role.REPORTER, Role.COORDINATOR),
    )


ADD = _later_flow("add_info", ADDITION)
MESSAGE_COORDINATOR = _later_flow("message_coordinator", MESSAGE)
