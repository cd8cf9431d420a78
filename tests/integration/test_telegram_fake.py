"""The fake Bot API refuses what the real Bot API refuses (a test of the fake itself)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes import telegram_rules as rules
from tests.fakes.telegram_api import FakeTelegram, ScriptedError

CHAT = 4201
EMOJI = "\U0001f600"


class Clock:
    """The fake's wall clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(clock=clock)
    await fake.start()
    yield fake
    await fake.stop()


async def call(fake: FakeTelegram, method: str, form: bool = False, **params: Any) -> Any:
    """Call ``method`` as JSON (or as a urlencoded form); the answer's body."""
    url = f"{fake.base_url}{fake.token}/{method}"
    async with aiohttp.ClientSession() as session:
        if form:
            data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            async with session.post(url, data=data) as answer:
                return await answer.json()
        async with session.post(url, json=params) as answer:
            return await answer.json()


def refused(body: Any, description: str) -> bool:
    """Whether ``body`` is Telegram's 400 with ``description``."""
    return bool(body == {"ok": False, "error_code": 400, "description": description})


async def test_a_text_over_4096_utf16_units_is_refused_though_python_counts_fewer(
    fake: FakeTelegram,
) -> None:
    heavy = EMOJI * 2049  # 2049 characters for Python, 4098 units for Telegram
    fits = EMOJI * 2048

    assert refused(
        await call(fake, "sendMessage", chat_id=CHAT, text=heavy),
        "Bad Request: message is too long",
    )
    assert (await call(fake, "sendMessage", chat_id=CHAT, text=fits))["ok"]


async def test_a_text_that_looks_like_json_is_kept_as_the_text_it_is(fake: FakeTelegram) -> None:
    texts = ['{"facts": "a reporter typed this"}', "[1, 2]", "true", "12345"]
    for text in texts:
        await call(fake, "sendMessage", chat_id=CHAT, text=text)
        await call(fake, "sendMessage", form=True, chat_id=str(CHAT), text=text)

    assert [p["text"] for p in fake.called("sendMessage")] == [t for t in texts for _ in (1, 2)]
    assert fake.texts_to(CHAT) == [t for t in texts for _ in (1, 2)]


async def test_a_json_serialised_parameter_is_decoded_in_a_form(fake: FakeTelegram) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Ja", "callback_data": "n.1|yes"}]]}

    await call(fake, "sendMessage", form=True, chat_id=str(CHAT), text="?", reply_markup=keyboard)

    [params] = fake.called("sendMessage")
    assert params["reply_markup"] == keyboard
    assert params["chat_id"] == CHAT


async def test_callback_data_over_64_bytes_is_refused(fake: FakeTelegram) -> None:
    keyboard = {"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]}

    body = await call(fake, "sendMessage", chat_id=CHAT, text="?", reply_markup=keyboard)

    assert refused(body, "Bad Request: BUTTON_DATA_INVALID")


async def test_deleting_an_unknown_message_is_refused(fake: FakeTelegram) -> None:
    body = await call(fake, "deleteMessage", chat_id=CHAT, message_id=999)

    assert refused(body, rules.NOT_FOUND_TO_DELETE)
    assert fake.deleted == []


async def test_a_message_can_be_deleted_once_and_only_within_48_hours(
    fake: FakeTelegram, clock: Clock
) -> None:
    young = fake.message(CHAT, "recent")["message"]["message_id"]
    old = fake.message(CHAT, "old")["message"]["message_id"]
    sent = (await call(fake, "sendMessage", chat_id=CHAT, text="bot's own"))["result"]
    clock.now += 47 * 3600

    assert (await call(fake, "deleteMessage", chat_id=CHAT, message_id=young))["ok"]
    assert refused(
        await call(fake, "deleteMessage", chat_id=CHAT, message_id=young), rules.NOT_FOUND_TO_DELETE
    )
    clock.now += 3600
    assert refused(
        await call(fake, "deleteMessage", chat_id=CHAT, message_id=old), rules.TOO_OLD_TO_DELETE
    )
    assert refused(
        await call(fake, "deleteMessage", chat_id=CHAT, message_id=sent["message_id"]),
        rules.TOO_OLD_TO_DELETE,
    )
    assert fake.deleted == [(CHAT, young)]


async def test_taking_a_keyboard_away_twice_is_refused_as_not_modified(fake: FakeTelegram) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Ja", "callback_data": "n.1|yes"}]]}
    sent = (await call(fake, "sendMessage", chat_id=CHAT, text="?", reply_markup=keyboard))[
        "result"
    ]
    message_id = sent["message_id"]

    first = await call(fake, "editMessageReplyMarkup", chat_id=CHAT, message_id=message_id)
    second = await call(fake, "editMessageReplyMarkup", chat_id=CHAT, message_id=message_id)
    same = await call(
        fake, "editMessageReplyMarkup", chat_id=CHAT, message_id=message_id, reply_markup=keyboard
    )
    again = await call(
        fake, "editMessageReplyMarkup", chat_id=CHAT, message_id=message_id, reply_markup=keyboard
    )
    unknown = await call(fake, "editMessageReplyMarkup", chat_id=CHAT, message_id=999)

    assert first["ok"]
    assert refused(second, rules.NOT_MODIFIED)
    assert second["description"].startswith("Bad Request: message is not modified")
    assert same["ok"]
    assert refused(again, rules.NOT_MODIFIED)
    assert refused(unknown, rules.NOT_FOUND_TO_EDIT)


async def test_a_callback_query_is_answered_once_within_its_window_and_never_if_unknown(
    fake: FakeTelegram, clock: Clock
) -> None:
    fresh = fake.callback(CHAT, "n.1|yes")["callback_query"]["id"]
    late = fake.callback(CHAT, "n.1|no")["callback_query"]["id"]

    assert (await call(fake, "answerCallbackQuery", callback_query_id=fresh))["ok"]
    assert refused(
        await call(fake, "answerCallbackQuery", callback_query_id=fresh), rules.QUERY_TOO_OLD
    )
    assert refused(
        await call(fake, "answerCallbackQuery", callback_query_id="77"), rules.QUERY_TOO_OLD
    )
    clock.now += rules.CALLBACK_WINDOW + 1
    assert refused(
        await call(fake, "answerCallbackQuery", callback_query_id=late), rules.QUERY_TOO_OLD
    )


async def test_get_updates_delivers_only_allowed_types_and_the_setting_persists(
    fake: FakeTelegram,
) -> None:
    message = fake.message(CHAT, "hallo")
    button = fake.callback(CHAT, "n.1|yes")
    await fake.push_all(message, button)

    first = await call(fake, "getUpdates", allowed_updates=["message"])
    await fake.push(fake.callback(CHAT, "n.1|no"))
    later = fake.message(CHAT, "weer")
    await fake.push(later)
    second = await call(fake, "getUpdates", offset=message["update_id"] + 1)

    assert [u["update_id"] for u in first["result"]] == [message["update_id"]]
    assert [u["update_id"] for u in second["result"]] == [later["update_id"]]
    assert fake.allowed_updates == ["message"]


async def test_by_default_chat_member_and_reaction_updates_are_not_delivered(
    fake: FakeTelegram,
) -> None:
    reaction = {"update_id": 1, "message_reaction": {"chat": {"id": CHAT}}}
    member = {"update_id": 2, "chat_member": {"chat": {"id": CHAT}}}
    message = fake.message(CHAT, "hallo")
    await fake.push_all(reaction, member, message)

    body = await call(fake, "getUpdates", allowed_updates=[])

    assert [u["update_id"] for u in body["result"]] == [message["update_id"]]


@pytest.mark.parametrize(
    ("url", "secret", "description"),
    [
        ("http://bot.example.org/hook", None, "An HTTPS URL must be provided for webhook"),
        ("https://bot.example.org:8080/hook", None, "only on ports 80, 88, 443 or 8443"),
        ("https://bot.example.org/hook", "colon:secret", "secret token contains unallowed"),
        ("https://bot.example.org/hook", "a b", "secret token contains unallowed"),
        ("https://bot.example.org/hook", "x" * 257, "secret token must be 1-256"),
        ("https://bot.example.org/hook", "", "secret token must be 1-256"),
    ],
)
async def test_set_webhook_refuses_what_telegram_refuses(
    fake: FakeTelegram, url: str, secret: str | None, description: str
) -> None:
    params: dict[str, Any] = {"url": url}
    if secret is not None:
        params["secret_token"] = secret

    body = await call(fake, "setWebhook", **params)

    assert body["ok"] is False
    assert body["error_code"] == 400
    assert description in body["description"]
    assert fake.webhook_url == ""


@pytest.mark.parametrize("port", ["", ":443", ":80", ":88", ":8443"])
async def test_set_webhook_takes_an_https_url_on_a_telegram_port(
    fake: FakeTelegram, port: str
) -> None:
    secret = "A-z_0" * 51 + "9"  # 256 characters

    body = await call(
        fake, "setWebhook", url=f"https://bot.example.org{port}/h", secret_token=secret
    )

    assert body == {"ok": True, "result": True}
    assert fake.webhook_secret == secret


@pytest.mark.parametrize(
    "method", ["getMe", "deleteWebhook", "setMyCommands", "setWebhook", "getUpdates"]
)
async def test_a_429_with_retry_after_can_be_scripted_for_any_start_up_call(
    fake: FakeTelegram, method: str
) -> None:
    fake.fail_next(method, ScriptedError(429, "Too Many Requests: retry after 3", retry_after=3))

    body = await call(fake, method)

    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
