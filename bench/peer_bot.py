"""The peer: the share dialog written the common way, with python-telegram-bot's
ConversationHandler and PicklePersistence (answers kept in ``user_data``, written to a pickle
file now and then, not at every turn). ``--like-concernbot`` runs it on concernbot's transport
and lanes (``bench.floors``); ``--durable`` also writes every turn to disk before its reply
(``bench.durable``): the durable peer.

Same questions, buttons and order as concernbot's share dialog in English, so that a reporter
script plays the same against both.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

from bench import floors
from bench.durable import Journal

Choices = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Question:
    """One step: the question, its buttons, and whether typed text answers it."""

    key: str
    text: str
    choices: Choices
    typed: bool = False
    several: bool = False


QUESTIONS = (
    Question(
        "acute",
        "This conversation is for sharing a worry about a young person or a group with the "
        "coordinator of your network. Please use no names. You can stop with /cancel.\n\n"
        "First: is someone in acute danger right now?",
        (("yes", "Yes, someone is in danger now"), ("no", "No")),
    ),
    Question(
        "privacy",
        "Before we start, what happens with what you share: stored, read by the coordinators "
        "of your network only, deleted after 365 days.",
        (("continue", "Understood, continue"), ("stop", "Stop")),
    ),
    Question(
        "facts",
        "Tell me in your own words what you saw or heard. You may use several messages; "
        "choose Done when complete.",
        (("done", "Done"),),
        typed=True,
        several=True,
    ),
    Question(
        "source",
        "Where does this information come from?",
        (
            ("own_observation", "I saw or heard it myself"),
            ("young_person", "The young person told me"),
            ("colleague", "A colleague told me"),
            ("others", "Others told me (parents, peers, neighbours)"),
            ("online", "I saw it online"),
        ),
    ),
    Question(
        "interpretation",
        "What do you make of it yourself?",
        (("skip", "Skip"),),
        typed=True,
    ),
    Question(
        "counter_signals",
        "Did you notice anything that points the other way?",
        (("skip", "Skip"),),
        typed=True,
    ),
    Question(
        "subject",
        "What is the concern about?",
        (
            ("person", "One young person"),
            ("group", "A group of young people"),
            ("incident", "An incident or the atmosphere"),
            ("online", "Online content"),
        ),
    ),
    Question(
        "age",
        "How old is the young person, or the group roughly?",
        (
            ("under_12", "Under 12"),
            ("12_15", "12 to 15"),
            ("16_17", "16 or 17"),
            ("18_23", "18 to 23"),
            ("mixed", "Mixed ages"),
            ("unknown", "Not known"),
        ),
    ),
    Question(
        "setting",
        "Where did you notice it?",
        (
            ("school", "School"),
            ("youth_work", "Youth work or community centre"),
            ("neighbourhood", "Street or neighbourhood"),
            ("home", "At home or in the family"),
            ("online", "Online or social media"),
            ("sports", "Sports or leisure club"),
            ("other", "Somewhere else"),
        ),
    ),
    Question(
        "frequency",
        "How often, and since when?",
        (
            ("once_recent", "Once, in the last few days"),
            ("once_earlier", "Once, longer ago"),
            ("several", "Several times"),
            ("ongoing", "It is ongoing"),
            ("unknown", "I don't know"),
        ),
    ),
    Question(
        "actions",
        "What has already been done? Pick all that apply, then choose Done.",
        (
            ("talked_young_person", "Talked with the young person"),
            ("talked_parents", "Talked with parents or carers"),
            ("talked_colleague", "Talked with a colleague"),
            ("informed_manager", "Informed my manager"),
            ("done", "Done"),
        ),
        several=True,
    ),
    Question(
        "informed",
        "Do the young person or the parents know, or were they told, that you share this?",
        (
            ("yes", "Yes, they know"),
            ("no", "No"),
            ("not_yet", "Not yet, they will be told"),
            ("unsafe", "No, telling them would endanger someone's safety"),
            ("unknown", "I don't know"),
        ),
    ),
    Question(
        "urgency",
        "How urgent is it?",
        (("soon", "Within a day or two"), ("week", "This week"), ("no_rush", "No rush")),
    ),
    Question(
        "contact",
        "May the coordinator contact you about this, through this chat?",
        (("yes", "Yes"), ("no", "No")),
    ),
    Question(
        "identity",
        "Should the coordinator see your name, or do you stay pseudonymous?",
        (("name", "Show my name"), ("pseudonym", "Stay pseudonymous")),
    ),
)
SUMMARY = len(QUESTIONS)
JOURNAL: list[Journal] = []
"""The durable peer's journal, once opened (empty for the in-memory peer)."""


async def persist(chat_id: int, state: int, answers: Mapping[str, Any] | None) -> None:
    """The durable peer: the turn's state on disk before its reply goes out."""
    if JOURNAL:
        await JOURNAL[0].turn(chat_id, state, answers or {})


def keyboard(choices: Choices, ticked: frozenset[str] = frozenset()) -> InlineKeyboardMarkup:
    """One button per row, the choice id as callback data; ticked ones marked."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(("✓ " if key in ticked else "") + label, callback_data=key)]
            for key, label in choices
        ]
    )


async def ask(update: Update, step: int, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Send question ``step`` (or the summary) and return it as the conversation state."""
    chat = update.effective_chat
    assert chat is not None
    await persist(chat.id, step, context.user_data)
    if step == SUMMARY:
        answers = context.user_data or {}
        lines = ["Please check your account before it is shared:", ""]
        lines += [f"{q.key}: {answers.get(q.key, '')}" for q in QUESTIONS]
        choices = (("confirm", "Share it"), ("edit", "Change a part"), ("discard", "Discard"))
        await context.bot.send_message(chat.id, "\n".join(lines), reply_markup=keyboard(choices))
        return step
    question = QUESTIONS[step]
    await context.bot.send_message(chat.id, question.text, reply_markup=keyboard(question.choices))
    return step


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/new: forget any earlier draft and ask the first question."""
    assert context.user_data is not None
    context.user_data.clear()
    return await ask(update, 0, context)


def pressed(step: int) -> object:
    """The handler for a button press on question ``step``."""

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        query = update.callback_query
        assert query is not None
        assert context.user_data is not None
        # As concernbot does: a press answered too late (its query older than Telegram keeps
        # it) is not the end of the turn. One update at a time, 1,000 reporters wait longer
        # than that, and the library's error would drop the reply.
        with contextlib.suppress(BadRequest):
            await query.answer()
        await query.edit_message_reply_markup(None)
        choice = query.data or ""
        if step == SUMMARY:
            return await finish(update, context, choice)
        question = QUESTIONS[step]
        if question.several and choice != "done":
            ticked = set(context.user_data.get(question.key, ()))
            ticked ^= {choice}
            context.user_data[question.key] = sorted(ticked)
            chat = update.effective_chat
            assert chat is not None
            markup = keyboard(question.choices, frozenset(ticked))
            await persist(chat.id, step, context.user_data)
            await context.bot.send_message(chat.id, question.text, reply_markup=markup)
            return step
        if choice not in ("done", "skip"):
            context.user_data[question.key] = choice
        return await ask(update, step + 1, context)

    return handle


def typed(step: int) -> object:
    """The handler for text typed in answer to question ``step``."""

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        message = update.message
        assert message is not None
        assert context.user_data is not None
        question = QUESTIONS[step]
        if question.several:
            notes = context.user_data.setdefault(question.key, [])
            notes.append(message.text or "")
            await persist(message.chat_id, step, context.user_data)
            await message.reply_text(
                f"Noted ({len(notes)} so far). Write more, or choose Done when complete.",
                reply_markup=keyboard(question.choices),
            )
            return step
        context.user_data[question.key] = message.text or ""
        return await ask(update, step + 1, context)

    return handle


async def finish(update: Update, context: ContextTypes.DEFAULT_TYPE, choice: str) -> int:
    """The summary's answer: share (with a reference), or discard."""
    chat = update.effective_chat
    assert chat is not None
    assert context.user_data is not None
    if choice != "confirm":
        context.user_data.clear()
        await context.bot.send_message(chat.id, "Discarded.")
        return ConversationHandler.END
    reference = "-".join(secrets.token_hex(2).upper()[:3] for _ in range(2))
    if JOURNAL:
        await JOURNAL[0].share(chat.id, reference, context.user_data)
    shared = context.bot_data.setdefault("shared", [])
    shared.append(dict(context.user_data))
    context.user_data.clear()
    await context.bot.send_message(
        chat.id,
        f"Thank you. Your concern has been shared.\nReference: {reference}\n"
        "Follow it with /status.",
    )
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel: stop the dialog."""
    assert update.message is not None
    await update.message.reply_text("Stopped.")
    return ConversationHandler.END


def conversation() -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    """The share dialog: one state per question, then the summary."""
    states: dict[object, list[object]] = {}
    for step, question in enumerate(QUESTIONS):
        handlers: list[object] = [CallbackQueryHandler(pressed(step))]  # type: ignore[arg-type]
        if question.typed:
            text = filters.TEXT & ~filters.COMMAND
            handlers.append(MessageHandler(text, typed(step)))  # type: ignore[arg-type]
        states[step] = handlers
    states[SUMMARY] = [CallbackQueryHandler(pressed(SUMMARY))]  # type: ignore[arg-type]
    return ConversationHandler(
        entry_points=[CommandHandler("new", start)],
        states=states,  # type: ignore[arg-type]
        fallbacks=[CommandHandler("cancel", cancel)],
        name="share",
        persistent=True,
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.peer_bot --api URL --token TOKEN --state FILE [--like-concernbot]
    [--durable]``"""
    parser = argparse.ArgumentParser(prog="python -m bench.peer_bot", description=__doc__)
    floors.add_options(parser)
    parser.add_argument("--state", required=True, help="the PicklePersistence file")
    parser.add_argument("--durable", action="store_true", help="every turn synced to disk")
    args = parser.parse_args(argv)
    if args.durable:
        JOURNAL.append(Journal(Path(args.state).with_suffix(".db")))
    persistence = PicklePersistence(filepath=args.state)
    application = floors.builder(args).persistence(persistence).build()
    application.add_handler(conversation())
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        for journal in JOURNAL:
            journal.close()


if __name__ == "__main__":
    main()
