"""A faithful local stand-in for the Slack Web API, served on 127.0.0.1 for tests.

As strict as the documented API, and where a rule is not documented, stricter: message and
view validation in ``slack_blocks``, channel membership and scopes in ``slack_conversations``.
``views.open`` takes only a trigger id this fake minted (``trigger_id()``), once
(``exchanged_trigger_id``), within 3 seconds (``expired_trigger_id``) by the fake's injectable
clock; ``views.update`` answers ``not_found`` for a modal its user closed (``close_view``;
the stricter reading: Slack keeps no closed view). Response URLs (``response_url()``) are
served here too (rules in ``slack_interactions``). Any method can be scripted to answer 429
with Retry-After (``rate_limit``), start-up calls included."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.slack_blocks import message_problem, view_problem
from tests.fakes.slack_conversations import BOT_USER_ID, Workspace
from tests.fakes.slack_files import Files
from tests.fakes.slack_home import home_problem
from tests.fakes.slack_interactions import Interactions

TEAM_ID = "T0TEST"
SCOPES = frozenset({"chat:write", "commands", "im:write", "channels:join", "files:write"})
_JSON_ARGUMENTS = ("blocks", "view", "attachments", "metadata")
__all__ = ["BOT_USER_ID", "TEAM_ID", "FakeSlack", "Outage", "SlackCall"]


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

    def __init__(
        self,
        token: str = "xoxb-test-token",
        scopes: frozenset[str] = SCOPES,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.now = now
        self.workspace = Workspace(scopes)
        self.files = Files(self.workspace)  # uploads (see ``slack_files``)
        self.calls: list[SlackCall] = []
        self.requests: list[SlackCall] = []
        self.hold: asyncio.Event | None = None
        self.outage: Outage | None = None
        self.limits: dict[str, Outage] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: list[dict[str, Any]] = []
        self.closed: set[str] = set()  # view ids of modals their user closed
        self.shown: list[dict[str, Any]] = []  # ephemeral messages, by either way
        self.interactions = Interactions(now)
        self.users: set[str] = set()  # who is in the workspace (views.publish checks)
        self.home_tab = True  # the app's Home tab is enabled in its settings
        self.homes: dict[str, dict[str, Any]] = {}  # each user's Home tab as last published
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
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_post("/hooks/{key}", self._hook)
        app.router.add_post("/upload/{key}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what a test scripts ----------------------------------------------------------------

    def held(self) -> asyncio.Event:
        """From now on, answer nothing until the returned event is set (a slow Slack)."""
        self.hold = asyncio.Event()
        return self.hold

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 and this Retry-After."""
        self.limits[method] = Outage(429, times, retry_after)

    def trigger_id(self) -> str:
        """A trigger id as Slack puts in an interaction payload, valid from now."""
        return self.interactions.trigger_id()

    def response_url(self, channel: str, user: str) -> str:
        """A response URL as Slack puts in a slash command or interaction from ``user``."""
        key = self.interactions.hook(channel, user)
        return f"http://127.0.0.1:{self.port}/hooks/{key}"

    def close_view(self, view_id: str) -> None:
        """The user closes the modal ``view_id``: Slack forgets it (views.update: not_found)."""
        self.closed.add(view_id)

    # --- what a test reads ------------------------------------------------------------------

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

    def ephemerals(self, user: str) -> list[dict[str, Any]]:
        """Ephemeral messages shown to ``user`` (``via`` a response URL or postEphemeral)."""
        return [shown for shown in self.shown if shown["user"] == user]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until ``predicate()`` holds after some request arrived or call succeeded."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(until(), within)

    # --- serving ----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        method = request.match_info["method"]
        params = await _params(request)
        self.requests.append(SlackCall(method, params))
        await self._notify()
        if self.hold is not None:
            await self.hold.wait()
        for outage in (self.outage, self.limits.get(method)):
            if outage is not None and outage.times > 0:
                outage.times -= 1
                if outage.status == 429:
                    return web.json_response(
                        {"ok": False, "error": "ratelimited"},
                        status=429,
                        headers={"Retry-After": str(outage.retry_after)},
                    )
                return web.Response(status=outage.status, text="service unavailable")
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        body = handler(params)
        if body.get("ok"):
            self.calls.append(SlackCall(method, params, body))
            await self._notify()
        return web.json_response(body)

    async def _hook(self, request: web.Request) -> web.Response:
        params = await request.json()
        status, text, hook = self.interactions.answer(request.match_info["key"], params)
        if hook is not None:
            self.shown.append({**params, "channel": hook.channel, "user": hook.user, "via": "url"})
            await self._notify()
        return web.Response(status=status, text=text)

    async def _upload(self, request: web.Request) -> web.Response:
        status, text = self.files.receive(request.match_info["key"], await request.read())
        await self._notify()
        return web.Response(status=status, text=text)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

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
        refused = self.workspace.missing("chat:write") or self.workspace.may_post(channel)
        problem = refused or message_problem(params)
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
        refused = self.workspace.missing("chat:write") or self.workspace.may_post(key[0])
        if refused:
            return refused
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        problem = message_problem(params)
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
        channel, user = str(params.get("channel", "")), str(params.get("user", ""))
        refused = self.workspace.missing("chat:write") or self.workspace.may_post(channel, user)
        problem = refused or message_problem(params)
        if problem:
            return problem
        self.shown.append({**params, "via": "chat.postEphemeral"})
        return {"ok": True, "message_ts": self._next_ts()}

    def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        error = self.interactions.exchange(str(params.get("trigger_id", "")))
        if error:
            return {"ok": False, "error": error}
        view = _view(params)
        problem = view_problem(view)
        if problem:
            return problem
        self.views.append(view)
        return {"ok": True, "view": {"id": f"V{len(self.views)}", **view}}

    def _api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = str(params.get("view_id", ""))
        number = int(view_id[1:]) if view_id[1:].isdigit() else 0
        if (
            view_id in self.closed
            or not view_id.startswith("V")
            or not 0 < number <= len(self.views)
        ):
            return {"ok": False, "error": "not_found"}
        view = _view(params)
        problem = view_problem(view)
        if problem:
            return problem
        self.views[number - 1] = view
        return {"ok": True, "view": {"id": view_id, **view}}

    def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user_id", ""))
        if not self.home_tab:
            return {"ok": False, "error": "not_enabled"}
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        view = _view(params)
        problem = home_problem(view)
        if problem:
            return problem
        self.homes[user] = view
        return {"ok": True, "view": {"id": "VHOME" + user, **view}}

    def _api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        refused = self.workspace.missing("im:write")
        if refused:
            return refused
        return {"ok": True, "channel": {"id": self.workspace.open_im(str(params.get("users")))}}

    def _api_conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        refused = self.workspace.missing("channels:join")
        return refused or self.workspace.join(str(params.get("channel", "")))

    def _api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.files.get_upload_url(params, f"http://127.0.0.1:{self.port}")

    def _api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.files.complete(params)

    def _api_files_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.files.delete(params)


def _view(params: dict[str, Any]) -> dict[str, Any]:
    raw = params.get("view")
    return json.loads(raw) if isinstance(raw, str) else dict(raw or {})


async def _params(request: web.Request) -> dict[str, Any]:
    # slack_sdk sends some methods' arguments (chat.delete) in the query string.
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        data = await request.json()
        return {**params, **data} if isinstance(data, dict) else params
    form = await request.post()
    for key, value in form.items():
        text = str(value)
        # Only the arguments documented as JSON are JSON: a text is a text, whatever it holds.
        params[key] = json.loads(text) if key in _JSON_ARGUMENTS and text[:1] in "[{" else text
    return params
