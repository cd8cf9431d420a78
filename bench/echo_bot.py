"""The floor: a bare python-telegram-bot echo bot, as its documentation writes one.

It answers every text with the same text and every button press with its data: one
sendMessage per update, no storage, default settings.
"""

from __future__ import annotations

import argparse

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


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


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.echo_bot --api URL --token TOKEN``"""
    parser = argparse.ArgumentParser(prog="python -m bench.echo_bot", description=__doc__)
    parser.add_argument("--api", required=True, help="Bot API base URL (without /bot)")
    parser.add_argument("--token", required=True)
    parser.add_argument("--state", help="unused: the echo bot keeps nothing")
    args = parser.parse_args(argv)
    application = Application.builder().token(args.token).base_url(f"{args.api}/bot").build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(echo_press))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
