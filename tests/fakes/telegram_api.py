"""A faithful local stand-in for the Telegram Bot API, served on 127.0.0.1 for tests.

It refuses what the real API refuses (see ``tests/fakes/telegram_rules.py`` for each rule and,
where the documentation gives no number, the stricter reading taken): texts over 4096 UTF-16
units, deleting a message it does not know or one older than 48 hours, an edit that changes
nothing, a callback query answered late, twice or never asked, a webhook URL or secret that
setWebhook does not take, and a document or photo outside the upload limits (read from the
multipart body; ``files`` keeps what arrived). It delivers only the update types
``allowed_updates`` asks for (the last setting holds until a call changes it). Its clock is
injectable.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.fakes import telegram_rules as rules
from tests.fakes.telegram_updates import BOT_ID, BOT_USERNAME, Posted, TelegramUpdates, markup

__all__ = ["BOT_ID", "BOT_USERNAME", "Call", "FakeTelegram", "RateLimit", "ScriptedError"]


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


class FakeTelegram(TelegramUpdates):
    """Serves the Bot API methods concernbot uses and records every call."""

    def __init__(
        self, token: str = "123456:TEST-TOKEN", clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(clock)
        self.token = token
        self.allowed_updates: list[str] | None = None
        self._fronted: dict[str, int] = {}
        self.calls: list[Call] = []
        self.errors: dict[str, list[ScriptedError | None]] = {}
        self.rate_limit: RateLimit | None = None
        self.webhook_url = ""
        self.webhook_secret = ""
        self.deleted: list[tuple[int, int]] = []
        self.sent: list[dict[str, Any]] = []
        self.files: list[dict[str, Any]] = []  # uploaded documents and photos, as received
        self._updates: list[dict[str, Any]] = []
        self._arrived = asyncio.Condition()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._session: aiohttp.ClientSession | None = None

    def front(self, port: int) -> str:
        """A webhook URL Telegram accepts (https, port 443) for a bot serving plain HTTP on
        ``port``: the fake delivers to 127.0.0.1 there, as the TLS-terminating proxy in front
        of a deployment does."""
        host = f"bot{port}.proxy.test"
        self._fronted[host] = port
        return f"https://{host}/telegram/webhook"

    @property
    def webhook_target(self) -> str:
        """Where updates for the registered webhook actually go (through ``front``)."""
        parts = urlsplit(self.webhook_url)
        port = self._fronted.get(parts.hostname or "")
        if port is None:
            return self.webhook_url
        return f"http://127.0.0.1:{port}{parts.path}"

    @property
    def base_url(self) -> str:
        """What to configure as the Bot API base URL (``…/bot`` + token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Listen on an ephemeral loopback port."""
        # Room for a document at the Bot API's limit (aiohttp takes 1 MB by default).
        app = web.Application(client_max_size=rules.MAX_DOCUMENT_BYTES + 1024 * 1024)
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

    def fail_next(self, method: str, error: ScriptedError, times: int = 1, after: int = 0) -> None:
        """Answer the next ``times`` calls of ``method`` with ``error``, once ``after`` more
        calls have been answered as usual."""
        self.errors.setdefault(method, []).extend([None] * after + [error] * times)

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

    async def push(self, update: dict[str, Any]) -> None:
        """Deliver an update: queue it for getUpdates, or POST it to the webhook (an update of
        a type ``allowed_updates`` leaves out is dropped, as Telegram drops it)."""
        if not rules.allowed(rules.update_type(update), self.allowed_updates):
            return
        if self.webhook_url:
            await self.post_webhook(update)
            return
        async with self._arrived:
            self._updates.append(update)
            self._arrived.notify_all()

    async def push_all(self, *updates: dict[str, Any]) -> None:
        """Deliver several updates at once: one getUpdates batch, or one POST after another."""
        kept = [u for u in updates if rules.allowed(rules.update_type(u), self.allowed_updates)]
        updates = tuple(kept)
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
        async with self._session.post(self.webhook_target, json=update, headers=headers) as answer:
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
        params = await rules.parameters(request)
        self.calls.append(Call(method, params, request.content_type))
        async with self._changed:
            self._changed.notify_all()
        scripted = self.errors.get(method)
        error = scripted.pop(0) if scripted else None
        if error is not None:
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
        if params.get("allowed_updates") is not None:
            self.allowed_updates = list(params["allowed_updates"])
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        async with self._arrived:
            self._confirm(offset)
            if not self._updates and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), timeout)
                self._confirm(offset)
            limit = int(params.get("limit", 100) or 100)
            return list(self._updates[:limit])

    def _confirm(self, offset: int) -> None:
        """Forget confirmed updates and those of a type no longer allowed."""
        self._updates = [
            u
            for u in self._updates
            if u["update_id"] >= offset
            and rules.allowed(rules.update_type(u), self.allowed_updates)
        ]

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool | web.Response:
        refusal = rules.webhook_refusal(params)
        if refusal is not None:
            return _error(400, refusal)
        self.webhook_url = str(params["url"])
        self.webhook_secret = str(params.get("secret_token", ""))
        if params.get("allowed_updates") is not None:
            self.allowed_updates = list(params["allowed_updates"])
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        text = params.get("text", "")
        if not isinstance(text, str):
            return _error(400, "Bad Request: message text is empty")
        refusal = rules.text_refusal(text) or rules.markup_refusal(params.get("reply_markup"))
        if refusal is not None:
            return _error(400, refusal)
        message = self._sent_message(params)
        self.sent.append(message)
        return message

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        posted = self._posted(params)
        if posted is None:
            return _error(400, rules.NOT_FOUND_TO_EDIT)
        keyboard = markup(params.get("reply_markup"))
        if posted.text == params.get("text") and markup(posted.reply_markup) == keyboard:
            return _error(400, rules.NOT_MODIFIED)
        posted.text, posted.reply_markup = str(params.get("text", "")), keyboard
        return self._sent_message(params, params.get("message_id"))

    async def _api_editMessageReplyMarkup(
        self, params: dict[str, Any]
    ) -> dict[str, Any] | web.Response:
        posted = self._posted(params)
        if posted is None:
            return _error(400, rules.NOT_FOUND_TO_EDIT)
        keyboard = markup(params.get("reply_markup"))
        if markup(posted.reply_markup) == keyboard:
            return _error(400, rules.NOT_MODIFIED)
        posted.reply_markup = keyboard
        return self._sent_message({**params, "text": posted.text}, params.get("message_id"))

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool | web.Response:
        asked = self.queries.pop(str(params.get("callback_query_id", "")), None)
        if asked is None or self.clock() - asked > rules.CALLBACK_WINDOW:
            return _error(400, rules.QUERY_TOO_OLD)
        return True

    async def _api_deleteMessage(self, params: dict[str, Any]) -> bool | web.Response:
        key = (int(params["chat_id"]), int(params["message_id"]))
        posted = self.messages.get(key)
        if posted is None:
            return _error(400, rules.NOT_FOUND_TO_DELETE)
        if self.clock() - posted.date >= rules.DELETE_WINDOW:
            return _error(400, rules.TOO_OLD_TO_DELETE)
        del self.messages[key]
        self.deleted.append(key)
        return True

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        return self._upload("document", params)

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        return self._upload("photo", params)

    def _upload(self, field: str, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        refusal = rules.upload_refusal(field, params, self.calls[-1].content_type)
        if refusal is not None:
            return _error(*refusal)
        message = self._sent_message({**params, "text": ""})
        upload = params[field]
        self.files.append(
            {
                "method": f"send{field.capitalize()}",
                "chat_id": int(params.get("chat_id", 0)),
                "filename": upload["filename"],
                "content": upload["content"],
                "caption": params.get("caption", ""),
                "message_id": message["message_id"],
            }
        )
        return message

    async def _api_leaveChat(self, params: dict[str, Any]) -> bool:
        return True

    def replying_to(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """The ``reply_to_message`` Telegram puts in a user's reply: the replied message as it
        was sent, without a ``reply_to_message`` of its own (the Bot API nests only once)."""
        for message in self.sent:
            if message["chat"]["id"] == chat_id and message["message_id"] == message_id:
                return {k: v for k, v in message.items() if k != "reply_to_message"}
        raise AssertionError(f"the bot sent no message {message_id} to chat {chat_id}")

    def _posted(self, params: dict[str, Any]) -> Posted | None:
        return self.messages.get((int(params.get("chat_id", 0)), int(params.get("message_id", 0))))

    def _sent_message(self, params: dict[str, Any], message_id: Any = None) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0))
        result: dict[str, Any] = {
            "message_id": int(message_id) if message_id else next(self._message_ids),
            "date": int(self.clock()),
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
        if not message_id:
            posted = Posted(self.clock(), result["text"], markup(params.get("reply_markup")))
            self.messages[(chat_id, result["message_id"])] = posted
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
