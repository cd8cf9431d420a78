"""The real ``concernbot run`` killed between a turn's commit and its reply (issue 14, point 9).

The turn has committed its reply, claimed for itself, and is sending it when the process gets
SIGKILL. The process started in its place sees that no live process holds that claim any
more and sends the reply at once, once, instead of after the dead process's lease (60 s).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.common import BotProcess, bot_environment, free_port, seed_members
from bench.platforms import TimedTelegram
from bot.testing import database_url

USER = 7_100_001
WITHIN = 15.0
"""Seconds from the restart to the reply: a start takes one or two; the lease is 60."""


class HangingTelegram(TimedTelegram):
    """The fake Bot API that, while ``hanging``, takes a sendMessage and never answers it:
    the sender is killed with its message on the way, not delivered."""

    def __init__(self) -> None:
        super().__init__()
        self.hanging = False
        self.held: list[dict[str, Any]] = []
        self._hung = asyncio.Event()
        self._let_go = asyncio.Event()

    async def _api_sendMessage(  # noqa: N802 - the Bot API method it serves
        self, params: dict[str, Any]
    ) -> dict[str, Any] | web.Response:
        if not self.hanging:
            return await super()._api_sendMessage(params)
        self.held.append(params)
        self._hung.set()
        await self._let_go.wait()
        gone = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        return web.json_response(gone, status=500)

    def delivered(self, chat: int) -> list[str]:
        """Texts of the messages a chat received (a hanging one is not among them)."""
        return [m["text"] for m in self.sent if m["chat"]["id"] == chat]

    async def until_held(self, within: float) -> None:
        """Wait until a sendMessage hangs."""
        await asyncio.wait_for(self._hung.wait(), within)

    async def stop(self) -> None:
        """Let the hanging requests end, then close."""
        self._let_go.set()
        await super().stop()


async def test_a_reply_cut_off_by_sigkill_is_sent_once_within_seconds_of_the_restart(
    tmp_path: Path,
) -> None:
    fake = HangingTelegram()
    await fake.start()
    database = database_url(tmp_path / "crash.db")
    await seed_members(database, [USER])
    port = free_port()
    env = bot_environment(database, port, telegram_url=fake.api_url, scheduler_enabled="false")
    first = BotProcess(env, port, log=tmp_path / "first.log")
    second = BotProcess(env, port, log=tmp_path / "second.log")
    try:
        await first.start()
        await fake.polling()
        fake.hanging = True
        await fake.push(fake.message(USER, "/help"))
        await fake.until_held(WITHIN)
        assert first.process is not None
        first.process.kill()  # SIGKILL: the reply is committed and claimed, not delivered
        await first.process.wait()
        fake.hanging = False
        cut_off = fake.held[0]["text"]

        restarted = time.perf_counter()
        await second.start()
        while cut_off not in fake.delivered(USER):
            assert time.perf_counter() - restarted < WITHIN, "the reply waited for the lease"
            await asyncio.sleep(0.05)
        after = time.perf_counter() - restarted
        await asyncio.sleep(1.0)  # room for a duplicate to show up

        print(f"\nthe cut-off reply arrived {after:.2f} s after the restart")
        repeated = {text: n for text, n in Counter(fake.delivered(USER)).items() if n > 1}
        assert repeated == {}
    finally:
        await second.stop()
        await first.stop()
        await fake.stop()
