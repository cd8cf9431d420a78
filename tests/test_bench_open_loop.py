"""The open loop's reporters are spread over the script before it offers any turn."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from typing import Any, cast

from bench import open_loop
from bench.platforms import TimedTelegram
from bot.testing import SHARE_SCRIPT


class AnsweringAtOnce:
    """What ``bench.open_loop`` uses of the fake Telegram, answering each update at once with
    one message, and noting which lines each user sent."""

    def __init__(self) -> None:
        self.offered: dict[int, float] = {}
        self.inboxes: defaultdict[int, asyncio.Queue[tuple[float, dict[str, Any]]]] = defaultdict(
            asyncio.Queue
        )
        self.lines: defaultdict[int, list[str]] = defaultdict(list)
        self._ids = itertools.count(1)

    def message(self, user: int, text: str) -> dict[str, Any]:
        """A typed message."""
        return {"update_id": next(self._ids), "user": user, "line": text}

    def callback(self, user: int, data: str, at: int) -> dict[str, Any]:
        """A button press."""
        return {"update_id": next(self._ids), "user": user, "line": f"#{data}"}

    async def push(self, update: dict[str, Any]) -> None:
        """Offer the update; its answer is there at once."""
        self.offered[update["update_id"]] = time.perf_counter()
        self.lines[update["user"]].append(update["line"])
        self.inboxes[update["user"]].put_nowait((time.perf_counter(), {"text": "ok"}))


async def test_the_reporters_start_the_open_loop_spread_over_the_script() -> None:
    fake = AnsweringAtOnce()
    users = list(range(100, 140))
    places: open_loop.Places = {}
    counts = [1] * len(SHARE_SCRIPT)

    await open_loop.stagger(cast(TimedTelegram, fake), users, SHARE_SCRIPT, counts, places)

    for i, user in enumerate(users):
        ahead = i % len(SHARE_SCRIPT)
        assert places[user].index == ahead
        assert len(fake.lines[user]) == ahead
    # Each line of the script is next for some reporter: no line is offered to all at once.
    assert {place.index for place in places.values()} == set(range(len(SHARE_SCRIPT)))
