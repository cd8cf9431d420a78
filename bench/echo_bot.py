"""The floor: a bare python-telegram-bot echo bot, as its documentation writes one.

By default it answers every text with the same text and every button press with its data:
one sendMessage per update, no storage, the library's default settings. With
``--like-concernbot`` it makes the Bot API calls concernbot makes for a turn on concernbot's
transport and lanes (``bench.floors``): a text is answered with one sendMessage, a button
press with answerCallbackQuery and editMessageReplyMarkup (the pressed keyboard taken away)
beside the sendMessage, and every answer carries a one-button keyboard, as concernbot's do.
"""

from __future__ import annotations

import argparse
import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bench import floors

AGAIN = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])
"""The keyboard of a like-for-like answer: a next press has buttons to take away."""


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    assert update.message is not None
    assert update.message.text is not None
    await update.message.reply_text(update.message.text)


async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the button's data back."""
    query = update.callback_query
    assert query is not None
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, query.data or "?")


async def echo_like(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back, with a keyboard."""
    assert update.message is not None
    assert update.message.text is not None
    await update.message.reply_text(update.message.text, reply_markup=AGAIN)


async def press_like(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and take its keyboard away while the data is sent back."""
    query = update.callback_query
    assert query is not None
    assert update.effective_chat is not None
    chat = update.effective_chat.id
    await asyncio.gather(
        query.answer(),
        query.edit_message_reply_markup(None),
        context.bot.send_message(chat, query.data or "?", reply_markup=AGAIN),
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.echo_bot --api URL --token TOKEN [--like-concernbot]``"""
    parser = argparse.ArgumentParser(prog="python -m bench.echo_bot", description=__doc__)
    floors.add_options(parser)
    parser.add_argument("--state", help="unused: the echo bot keeps nothing")
    args = parser.parse_args(argv)
    application = floors.builder(args).build()
    like = bool(args.like_concernbot)
    application.add_handler(MessageHandler(filters.TEXT, echo_like if like else echo))
    application.add_handler(CallbackQueryHandler(press_like if like else echo_press))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
