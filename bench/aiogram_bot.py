"""A floor from the other big Telegram library: an aiogram 3 echo bot, making concernbot's calls.

aiogram serves the Bot API on aiohttp (its only transport) and runs each update as a task of
its own; here at most 8 at once (``--like-concernbot``, concernbot's lanes; unbounded, its
default, without). As the like-for-like echo bot of ``bench.echo_bot``: a text is answered
with one sendMessage, a button press with answerCallbackQuery and editMessageReplyMarkup
beside the sendMessage, every answer with a one-button keyboard.
"""

from __future__ import annotations

import argparse
import asyncio

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bench.floors import SETTINGS

AGAIN = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Again", callback_data="again")]]
)

dispatcher = Dispatcher()


@dispatcher.message(F.text)
async def echo(message: Message) -> None:
    """Send the text back, with a keyboard."""
    await message.answer(message.text or "?", reply_markup=AGAIN)


@dispatcher.callback_query()
async def press(query: CallbackQuery, bot: Bot) -> None:
    """Answer the press and take its keyboard away while the data is sent back."""
    assert query.message is not None
    chat = query.message.chat.id
    await asyncio.gather(
        bot.answer_callback_query(query.id),
        bot.edit_message_reply_markup(chat_id=chat, message_id=query.message.message_id),
        bot.send_message(chat, query.data or "?", reply_markup=AGAIN),
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.aiogram_bot --api URL --token TOKEN [--like-concernbot]``"""
    parser = argparse.ArgumentParser(prog="python -m bench.aiogram_bot", description=__doc__)
    parser.add_argument("--api", required=True, help="Bot API base URL (without /bot)")
    parser.add_argument("--token", required=True)
    parser.add_argument("--like-concernbot", action="store_true", help="8 updates at once")
    parser.add_argument("--state", help="unused: the echo bot keeps nothing")
    args = parser.parse_args(argv)
    session = AiohttpSession(api=TelegramAPIServer.from_base(args.api))
    bot = Bot(args.token, session=session)
    limit = SETTINGS.concurrent_updates if args.like_concernbot else None
    asyncio.run(dispatcher.start_polling(bot, tasks_concurrency_limit=limit))


if __name__ == "__main__":
    main()
