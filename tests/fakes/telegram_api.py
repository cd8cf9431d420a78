"""A faithful local stand-in for the Telegram Bot API, served on 127.0.0.1 for tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_ID = 7000001
BOT_USERNAME = "concern_test_bot"


@dataclass
class Call:
    """One Bot API request the fake received."""

    method: str
    params: dict[str, Any]
    content_type: str = ""


@dataclass
class ScriptedError:
    """An error the fake answers with once, for one method."""

    status: int
    description: str
    retry_after: int | None = None


@dataclass
class RateLimit:
    """Answer 429 when more than ``per_second`` messages are sent within any second."""

    per_second: int
    sent: deque[float] = field(default_factory=deque)
    rejected: int = 0


def _parse_value(key: str, value: str) -> Any:
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key.endswith("_id") and value.lstrip("-").isdigit():
        return int(value)
    if value in ("true", "false"):
        return value == "true"
    return value


async def _parameters(request: web.Request) -> dict[str, Any]:
    """A call's parameters, sent as JSON, as a urlencoded form or as multipart form data (the
    Bot API takes all three)."""
    if not request.can_read_body:
        return {}
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="a JSON object was expected")
        return {k: _parse_value(k, v) if isinstance(v, str) else v for k, v in body.items()}
    form = await request.post()
    return {
        k: (
            {"filename": v.filename, "content": v.file.read()}
            if isinstance(v, web.FileField)
            else _parse_value(k, str(v))
        )
        for k, v in form.items()
    }


class FakeTelegram:
    """Serves the Bot API methods concernbot uses and records every call."""

    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.errors: dict[str, list[ScriptedError]] = {}
        self.rate_limit: RateLimit | None = None
        self.webhook_url = ""
        self.webhook_secret = ""
        self.deleted: list[tuple[int, int]] = []
        self.sent: list[dict[str, Any]] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._arrived = asyncio.Condition()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._session: aiohttp.ClientSession | None = None

    @property
    def base_url(self) -> str:
        """What to configure as the Bot API base URL (``…/bot`` + token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Listen on an ephemeral loopback port."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Close the server (and the webhook client)."""
        async with self._arrived:
            self._arrived.notify_all()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, method: str, error: ScriptedError, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with ``error``."""
        self.errors.setdefault(method, []).extend([error] * times)

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until ``predicate()`` holds after some call (fails the test on timeout)."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(until(), within)

    def called(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of ``method``, in order."""
        return [c.params for c in self.calls if c.method == method]

    def texts_to(self, chat_id: int) -> list[str]:
        """Texts of every message sent to a chat."""
        return [p["text"] for p in self.called("sendMessage") if p.get("chat_id") == chat_id]

    # --- building updates ------------------------------------------------------------------

    def user(self, user_id: int, language: str = "en") -> dict[str, Any]:
        """A Telegram user object."""
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
            "language_code": language,
        }

    def message(
        self,
        user_id: int,
        text: str | None = None,
        chat_type: str = "private",
        chat_id: int | None = None,
        language: str = "en",
        **extra: Any,
    ) -> dict[str, Any]:
        """A message update from a user (private chat unless told otherwise)."""
        chat = {"id": chat_id if chat_id is not None else user_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"User{user_id}"
        else:
            chat["title"] = "Some group"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id, language),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message.update(extra)
        return {"update_id": next(self._update_ids), "message": message}

    def callback(
        self, user_id: int, data: str, message_id: int = 1, language: str = "en"
    ) -> dict[str, Any]:
        """A button press (callback query) in the private chat with ``user_id``."""
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._message_ids) + 500000),
                "from": self.user(user_id, language),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private", "first_name": f"User{user_id}"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
                    "text": "…",
                },
            },
        }

    def my_chat_member(
        self, user_id: int, chat_id: int, status: str = "member", chat_type: str = "supergroup"
    ) -> dict[str, Any]:
        """The bot's membership of a group changed (``user_id`` added it, by default)."""
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Concern", "username": BOT_USERNAME}
        return {
            "update_id": next(self._update_ids),
            "my_chat_member": {
                "chat": {"id": chat_id, "title": "Some group", "type": chat_type},
                "from": self.user(user_id),
                "date": int(time.time()),
                "old_chat_member": {"user": bot, "status": "left"},
                "new_chat_member": {"user": bot, "status": status},
            },
        }

    async def push(self, update: dict[str, Any]) -> None:
        """Deliver an update: queue it for getUpdates, or POST it to the webhook."""
        if self.webhook_url:
            await self.post_webhook(update)
            return
        async with self._arrived:
            self._updates.append(update)
            self._arrived.notify_all()

    async def push_all(self, *updates: dict[str, Any]) -> None:
        """Deliver several updates at once: one getUpdates batch, or one POST after another."""
        if self.webhook_url:
            for update in updates:
                await self.post_webhook(update)
            return
        async with self._arrived:
            self._updates.extend(updates)
            self._arrived.notify_all()

    async def post_webhook(
        self, update: dict[str, Any], secret: str | None = None, with_secret: bool = True
    ) -> int:
        """POST ``update`` to the registered webhook; returns the HTTP status.

        ``secret`` overrides the registered secret token; ``with_secret=False`` leaves the
        header out altogether.
        """
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {}
        if with_secret:
            token = self.webhook_secret if secret is None else secret
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        async with self._session.post(self.webhook_url, json=update, headers=headers) as answer:
            return answer.status

    def pending_updates(self) -> int:
        """Updates not yet fetched with getUpdates."""
        return len(self._updates)

    # --- the API ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        # Bot API method names are case-insensitive; calls are noted under their documented name.
        method = _METHODS.get(request.match_info["method"].lower(), request.match_info["method"])
        params = await _parameters(request)
        self.calls.append(Call(method, params, request.content_type))
        async with self._changed:
            self._changed.notify_all()
        scripted = self.errors.get(method)
        if scripted:
            error = scripted.pop(0)
            return _error(error.status, error.description, error.retry_after)
        if method in ("sendMessage",) and self.rate_limit is not None:
            limited = self._over_limit(self.rate_limit)
            if limited:
                return _error(429, "Too Many Requests: retry after 1", 1)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    def _over_limit(self, limit: RateLimit) -> bool:
        now = time.monotonic()
        while limit.sent and now - limit.sent[0] >= 1.0:
            limit.sent.popleft()
        if len(limit.sent) >= limit.per_second:
            limit.rejected += 1
            return True
        limit.sent.append(now)
        return False

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Concern",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        async with self._arrived:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), timeout)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            limit = int(params.get("limit", 100) or 100)
            return list(self._updates[:limit])

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = str(params["url"])
        self.webhook_secret = str(params.get("secret_token", ""))
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        text = str(params.get("text", ""))
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        message = self._sent_message(params)
        self.sent.append(message)
        return message

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._sent_message(params, params.get("message_id"))

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._sent_message(params, params.get("message_id"))

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        self.deleted.append((int(params["chat_id"]), int(params["message_id"])))
        return True

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._sent_message({**params, "text": ""})

    async def _api_leaveChat(self, params: dict[str, Any]) -> bool:
        return True

    def _sent_message(self, params: dict[str, Any], message_id: Any = None) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0))
        result: dict[str, Any] = {
            "message_id": int(message_id) if message_id else next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"},
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Concern",
                "username": BOT_USERNAME,
            },
            "text": str(params.get("text", "…")),
        }
        if "reply_markup" in params:
            result["reply_markup"] = params["reply_markup"]
        return result


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


_METHODS = {
    name.removeprefix("_api_").lower(): name.removeprefix("_api_")
    for name in dir(FakeTelegram)
    if name.startswith("_api_")
}
"""Each method the fake serves, by its name in lower case."""
