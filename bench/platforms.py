"""The fake Bot API and Slack Web API of the tests, with the timestamps a benchmark needs."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

from aiohttp import web

from bench.common import SLACK_TOKEN, TELEGRAM_TOKEN
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram


class TimedTelegram(FakeTelegram):
    """Notes when each update was offered (became available to getUpdates, or its webhook POST
    began) and when getUpdates first served it, and queues every message sent, with its
    arrival time, per chat."""

    def __init__(self) -> None:
        super().__init__(TELEGRAM_TOKEN)
        self.offered: dict[int, float] = {}
        """When each update was offered: where a turn's latency starts."""
        self.served: dict[int, float] = {}
        self.inboxes: defaultdict[int, asyncio.Queue[tuple[float, dict[str, Any]]]] = defaultdict(
            asyncio.Queue
        )
        self.long_polls = 0

    @property
    def api_url(self) -> str:
        """What to configure as the API base URL (the library appends ``/bot<token>``)."""
        return f"http://127.0.0.1:{self.port}"

    async def push(self, update: dict[str, Any]) -> None:
        """Offer an update (noting when) as the fake does."""
        self.offered.setdefault(int(update["update_id"]), time.perf_counter())
        await super().push(update)

    async def push_all(self, *updates: dict[str, Any]) -> None:
        """Offer several updates at once (noting when) as the fake does."""
        now = time.perf_counter()
        for update in updates:
            self.offered.setdefault(int(update["update_id"]), now)
        await super().push_all(*updates)

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if float(params.get("timeout", 0) or 0) > 0:
            self.long_polls += 1
        updates = await super()._api_getUpdates(params)
        now = time.perf_counter()
        for update in updates:
            self.served.setdefault(int(update["update_id"]), now)
        return updates

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        result = await super()._api_sendMessage(params)
        if isinstance(result, dict):
            self.inboxes[int(result["chat"]["id"])].put_nowait((time.perf_counter(), result))
        return result

    async def polling(self, within: float = 60.0) -> None:
        """Wait until some client is long-polling (a bot's update loop is running)."""
        deadline = time.perf_counter() + within
        while self.long_polls == 0:
            if time.perf_counter() > deadline:
                raise TimeoutError("no bot started polling")
            await asyncio.sleep(0.01)


class TimedSlack(FakeSlack):
    """Notes when each chat.postMessage arrived (monotonic, and wall-clock time to compare with
    the time a concern was stored)."""

    def __init__(self) -> None:
        super().__init__(SLACK_TOKEN)
        self.posts: list[tuple[float, float, dict[str, Any]]] = []
        """(perf_counter, wall-clock time, parameters) of every chat.postMessage."""

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self.posts.append((time.perf_counter(), time.time(), params))
        return super()._api_chat_postMessage(params)
