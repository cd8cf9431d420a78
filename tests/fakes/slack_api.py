"""A faithful local stand-in for the Slack Web API, served on 127.0.0.1 for tests."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TEAM_ID = "T0TEST"
BOT_USER_ID = "U0BOT"
MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
SECTION_TEXT = 3000
BUTTON_TEXT = 75
MODAL_TITLE = 24
MESSAGE_TEXT = 40000


@dataclass
class SlackCall:
    """One Web API request the fake received."""

    method: str
    params: dict[str, Any]
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outage:
    """Answer the next ``times`` calls with this HTTP status (503) or a 429 with Retry-After."""

    status: int
    times: int
    retry_after: int = 1


class FakeSlack:
    """Serves the Web API methods concernbot uses, records calls, and can simulate outages."""

    def __init__(self, token: str = "xoxb-test-token") -> None:
        self.token = token
        self.calls: list[SlackCall] = []
        self.requests: list[SlackCall] = []
        self.hold: asyncio.Event | None = None
        self.outage: Outage | None = None
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: list[dict[str, Any]] = []
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """What to configure as the Web API base URL."""
        return f"http://127.0.0.1:{self.port}/api/"

    async def start(self) -> None:
        """Listen on an ephemeral loopback port."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    def held(self) -> asyncio.Event:
        """From now on, answer nothing until the returned event is set (a slow Slack)."""
        self.hold = asyncio.Event()
        return self.hold

    def called(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every successful call of ``method``, in order."""
        return [c.params for c in self.calls if c.method == method]

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """Every message posted to ``channel`` (parameters and the ``ts`` it got), in order."""
        return [
            {**c.params, "ts": c.answer["ts"]}
            for c in self.calls
            if c.method == "chat.postMessage" and c.params.get("channel") == channel
        ]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until ``predicate()`` holds after some request arrived or call succeeded."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(until(), within)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        method = request.match_info["method"]
        params = await _params(request)
        self.requests.append(SlackCall(method, params))
        async with self._changed:
            self._changed.notify_all()
        if self.hold is not None:
            await self.hold.wait()
        if self.outage is not None and self.outage.times > 0:
            self.outage.times -= 1
            if self.outage.status == 429:
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(self.outage.retry_after)},
                )
            return web.Response(status=self.outage.status, text="service unavailable")
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        body = handler(params)
        if body.get("ok"):
            self.calls.append(SlackCall(method, params, body))
            async with self._changed:
                self._changed.notify_all()
        return web.json_response(body)

    def _next_ts(self) -> str:
        return f"1764320000.{next(self._ts):06d}"

    def _api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "B0BOT",
            "team": "Test",
            "user": "concernbot",
            "url": "https://test.example/",
        }

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        problem = _message_problem(params)
        if problem:
            return problem
        ts = self._next_ts()
        message = {
            "ts": ts,
            "text": params.get("text", ""),
            "blocks": params.get("blocks"),
            "thread_ts": params.get("thread_ts"),
        }
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params.get("channel")), str(params.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        problem = _message_problem(params)
        if problem:
            return problem
        self.messages[key].update(text=params.get("text", ""), blocks=params.get("blocks"))
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _api_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params.get("channel")), str(params.get("ts")))
        if self.messages.pop(key, None) is None:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return _message_problem(params) or {"ok": True, "message_ts": self._next_ts()}

    def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        raw = params.get("view")
        view: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
        problems = _view_problems(view)
        if problems:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": problems},
            }
        self.views.append(view)
        return {"ok": True, "view": {"id": f"V{len(self.views)}", **view}}

    def _api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": params.get("view_id", "V0")}}

    def _api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + str(params.get("users", "X"))}}


async def _params(request: web.Request) -> dict[str, Any]:
    # slack_sdk sends some methods' arguments (chat.delete) in the query string.
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        data = await request.json()
        return {**params, **data} if isinstance(data, dict) else params
    form = await request.post()
    for key, value in form.items():
        text = str(value)
        params[key] = json.loads(text) if text[:1] in "[{" else text
    return params


def _text_problems(text: Any, where: str, limit: int) -> list[str]:
    if not isinstance(text, dict) or text.get("type") not in ("plain_text", "mrkdwn"):
        return [f"[ERROR] {where}: must be a text object"]
    if not 0 < len(str(text.get("text", ""))) <= limit:
        return [f"[ERROR] {where}: must be 1 to {limit} characters"]
    return []


def _block_problems(blocks: list[Any], limit: int) -> list[str]:
    """What Slack's Block Kit validation says about ``blocks`` (the parts concernbot uses)."""
    if len(blocks) > limit:
        return [f"[ERROR] no more than {limit} items allowed [json-pointer:/blocks]"]
    problems: list[str] = []
    block_ids = [b["block_id"] for b in blocks if isinstance(b, dict) and "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        problems.append("[ERROR] block_id must be unique [json-pointer:/blocks]")
    for n, block in enumerate(blocks):
        where = f"/blocks/{n}"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "section":
            problems += _text_problems(block.get("text"), where + "/text", SECTION_TEXT)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 25:
                problems.append(f"[ERROR] {where}/elements: 1 to 25 items allowed")
            ids = [e.get("action_id") for e in elements]
            if len(ids) != len(set(ids)):
                problems.append(f"[ERROR] {where}/elements: action_id must be unique")
            for m, element in enumerate(elements):
                problems += _text_problems(
                    element.get("text"), f"{where}/elements/{m}/text", BUTTON_TEXT
                )
        elif kind != "input":
            problems.append(f"[ERROR] {where}: unsupported block type")
    return problems


def _message_problem(params: dict[str, Any]) -> dict[str, Any] | None:
    """The error chat.postMessage, chat.update and chat.postEphemeral answer, if any."""
    blocks = params.get("blocks")
    if not params.get("text") and not blocks:
        return {"ok": False, "error": "no_text"}
    if len(str(params.get("text", ""))) > MESSAGE_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    problems = _block_problems(blocks if isinstance(blocks, list) else [], MESSAGE_BLOCKS)
    if problems:
        return {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": problems}}
    return None


def _view_problems(view: dict[str, Any]) -> list[str]:
    """What views.open says about a modal."""
    problems = _text_problems(view.get("title"), "/view/title", MODAL_TITLE)
    for key in ("submit", "close"):
        if key in view:
            problems += _text_problems(view[key], f"/view/{key}", MODAL_TITLE)
    if len(str(view.get("private_metadata", ""))) > 3000:
        problems.append("[ERROR] /view/private_metadata: at most 3000 characters")
    return problems + _block_problems(list(view.get("blocks") or []), MODAL_BLOCKS)
