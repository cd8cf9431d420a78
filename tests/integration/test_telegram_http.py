"""The Bot API transport (adapters/telegram/transport.py) under python-telegram-bot, against the
fake Bot API: calls travel as JSON, files as multipart form data, and Telegram's answers come
back as the library's results and errors."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest
from telegram.ext import ExtBot

from adapters.telegram.transport import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegram, ScriptedError

os.environ.setdefault("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[ExtBot[None]]:
    bot: ExtBot[None] = ExtBot(
        fake.token,
        base_url=fake.base_url,
        request=AiohttpRequest(4, 5.0),
        get_updates_request=AiohttpRequest(1, 5.0),
    )
    await bot.initialize()
    yield bot
    await bot.shutdown()


async def test_a_call_travels_as_json_with_its_values_typed(
    fake: FakeTelegram, bot: ExtBot[None]
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="n1:yes")]])
    sent = await bot.send_message(4201, "Klopt dit? {niet als JSON lezen}", reply_markup=keyboard)
    assert sent.chat.id == 4201
    [call] = [c for c in fake.calls if c.method == "sendMessage"]
    assert call.content_type == "application/json"
    assert call.params["chat_id"] == 4201
    assert call.params["text"] == "Klopt dit? {niet als JSON lezen}"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Ja", "callback_data": "n1:yes"}]]
    }


async def test_a_file_travels_as_multipart_form_data(fake: FakeTelegram, bot: ExtBot[None]) -> None:
    await bot.send_document(4201, InputFile(b"a;b\n1;2\n", filename="export.csv"))
    [call] = [c for c in fake.calls if c.method == "sendDocument"]
    assert call.content_type == "multipart/form-data"
    assert call.params["chat_id"] == 4201
    assert call.params["document"]["content"] == b"a;b\n1;2\n"


async def test_an_error_answer_becomes_the_librarys_error(
    fake: FakeTelegram, bot: ExtBot[None]
) -> None:
    fake.fail_next("sendMessage", ScriptedError(400, "Bad Request: chat not found"))
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(4201, "hallo")
