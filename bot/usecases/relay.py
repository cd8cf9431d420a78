"""Relayed questions: a coordinator asks, the reporter answers, neither sees the other's account."""

from __future__ import annotations

from bot.channels.parts import Copy, View
from bot.channels.replies import Choice
from bot.conversation import feed
from bot.conversation.cards import action
from bot.conversation.turn import Turn
from bot.domain.numbers import small_number
from bot.domain.reference import normalise_reference
from bot.i18n import N_, Translate
from bot.storage.questions import Question
from bot.usecases.reporter_presence import reporter_left
from bot.usecases.triage import load_for_coordinator

QUESTION_SLOT = "question:"


async def may_ask(turn: Turn, reference: str) -> bool:
    """True when the actor may relay a question about this concern (says why not otherwise)."""
    concern = await load_for_coordinator(turn, reference, "relay_question")
    if concern is None:
        return False
    if await reporter_left(turn.uow, concern):
        await turn.log("relay_question", "refused:reporter_left", concern.reference)
        turn.say(
            turn.t(
                N_(
                    "The reporter of {reference} has left: they erased their account, so "
                    "nobody can ask them anything. Nothing was sent."
                )
            ).format(reference=concern.reference)
        )
        return False
    if not concern.contact_allowed:
        await turn.log("relay_question", "refused:no_contact", concern.reference)
        turn.say(
            turn.t(N_("The reporter of {reference} chose not to be contacted.")).format(
                reference=concern.reference
            )
        )
        return False
    if not concern.is_open:
        turn.say(turn.t(N_("{reference} is closed.")).format(reference=concern.reference))
        return False
    return True


async def ask_reporter(turn: Turn, reference: str, question: str) -> None:
    """Relay a coordinator's question to the reporter's own chat."""
    if not await may_ask(turn, reference):
        return
    concern = await turn.uow.concerns.by_reference(normalise_reference(reference))
    assert concern is not None
    assert concern.id is not None
    question_id = await turn.uow.questions.add(concern.id, turn.member_id, question, turn.now)

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        text = (
            t(N_("A coordinator has a question about your concern {reference}:")).format(
                reference=concern.reference
            )
            + "\n\n"
            + question
        )
        return text, (Choice(action("answer", str(question_id)), t(N_("Answer"))),)

    # Where the question lands is recorded, so that a swipe-reply to it answers it.
    copy = Copy(f"{QUESTION_SLOT}{question_id}")
    await turn.notify(concern.reporter_id, compose, copy, concern.reference)
    await turn.log("relay_question", "ok", concern.reference)
    feed.post_line(
        turn,
        concern,
        feed.feed_translate(turn)(N_("Question sent to the reporter by {name}.")).format(
            name=turn.member.display_name
        ),
    )
    turn.say(
        turn.t(N_("Your question about {reference} was sent to the reporter.")).format(
            reference=concern.reference
        )
    )


async def question_for_reporter(turn: Turn, question_id: str) -> str | None:
    """The reference of the concern a question is about, if the actor may answer it."""
    number = small_number(question_id)
    question = None if number is None else await turn.uow.questions.get(number)
    concern = None
    if question is not None:
        concern = await turn.uow.concerns.by_id(question.concern_id)
    if question is None or concern is None or concern.reporter_id != turn.member_id:
        await turn.log("relay_answer", "denied")
        turn.say(turn.t(N_("That question cannot be found.")))
        return None
    if question.answer is not None:
        turn.say(turn.t(N_("You already answered that question. Thank you.")))
        return None
    return concern.reference


async def replied_question(turn: Turn, message_id: str) -> str | None:
    """The id of the actor's unanswered question posted as this message, if it is one."""
    posted = await turn.uow.posted.at(turn.address, message_id)
    if posted is None or not posted.slot.startswith(QUESTION_SLOT):
        return None
    number = small_number(posted.slot.removeprefix(QUESTION_SLOT).split(":", 1)[0])
    question = None if number is None else await turn.uow.questions.get(number)
    if question is None or question.answer is not None:
        return None
    return str(question.id)


async def waiting_questions(turn: Turn) -> list[tuple[Question, str]]:
    """The actor's unanswered questions with their concern's reference, oldest first."""
    found = []
    for question in await turn.uow.questions.waiting_for(turn.member_id):
        concern = await turn.uow.concerns.by_id(question.concern_id)
        if concern is not None:
            found.append((question, concern.reference))
    return found


def preview(text: str, limit: int = 80) -> str:
    """The first words of a question, to say which one is meant."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


async def answer_question(turn: Turn, question_id: str, answer: str, typed: bool = False) -> None:
    """Store the reporter's answer and relay it to the coordinator who asked (``typed``: the
    reporter wrote it without pressing "Answer"; the reply then says what it was attached to)."""
    reference = await question_for_reporter(turn, question_id)
    if reference is None:
        return
    question = await turn.uow.questions.get(int(question_id))
    assert question is not None
    await turn.uow.questions.answer(question.id, answer, turn.now)

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        text = (
            t(N_("The reporter answered your question about {reference}:")).format(
                reference=reference
            )
            + "\n\n"
            + answer
        )
        return text, ()

    if question.asked_by is not None:
        await turn.notify(question.asked_by, compose)
    await turn.log("relay_answer", "ok", reference)
    concern = await turn.uow.concerns.by_reference(reference)
    if concern is not None:
        ft = feed.feed_translate(turn)
        feed.post_line(
            turn,
            concern,
            ft(N_("Reply received from the reporter.")),
            (Choice(action("reply", str(question.id)), ft(N_("View reply"))),),
        )
    if typed:
        turn.say(
            turn.t(
                N_(
                    "I passed that on as your answer to the coordinator's question about "
                    "{reference}: “{question}”. Thank you."
                )
            ).format(reference=reference, question=preview(question.question))
        )
        return
    turn.say(turn.t(N_("Your answer was passed on. Thank you.")))


async def view_reply(turn: Turn, question_id: str) -> None:
    """Show a coordinator the reporter's answer to a relayed question (logged)."""
    number = small_number(question_id)
    question = None if number is None else await turn.uow.questions.get(number)
    concern = None if question is None else await turn.uow.concerns.by_id(question.concern_id)
    if question is None or concern is None:
        await turn.log("view_reply", "denied")
        turn.say(turn.t(N_("That reply cannot be found.")))
        return
    if await load_for_coordinator(turn, concern.reference, "view_reply") is None:
        return
    await turn.log("view_reply", "ok", concern.reference)
    t = turn.t
    text = (
        f"{t(N_('Question'))}:\n{question.question}\n\n"
        f"{t(N_('Answer from the reporter'))}:\n{question.answer or t(N_('(no answer yet)'))}"
    )
    turn.say(text, view=View("reply", concern.reference))
