"""The real ``concernbot run`` while another process holds SQLite's write lock (issue 14):
/healthz answers at once and says what the bot waits on; the turns that arrived meanwhile are
answered once the lock is released."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.storage.health import STALLED_AFTER
from tests.integration.test_service import (
    WITHIN,
    Fakes,
    Process,
    _reap,
    children,
    fakes,
    free_port,
    run_environ,
    spawn,
)

pytestmark = pytest.mark.sqlite_only  # the lock is held on the SQLite file itself

__all__ = ["_reap", "children", "fakes"]  # the fixtures this module borrows

HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
"""
"""Takes the write lock on the file named by its argument; commits when its stdin has a line."""
PROBES = 4
ANSWER_WITHIN = 1.0
USERS = (7301, 7302, 7303)


async def probe(port: int) -> tuple[float, int, dict[str, Any]]:
    """GET /healthz with a deadline: how long it took, the status and the report."""
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=ANSWER_WITHIN)
    url = f"http://127.0.0.1:{port}/healthz"
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as answer:
        report: dict[str, Any] = await answer.json()
        return time.monotonic() - started, answer.status, report


async def answered_within(port: int) -> tuple[float, int, dict[str, Any]]:
    """``probe``, failing the test (not raising a timeout) when it takes too long."""
    try:
        return await probe(port)
    except TimeoutError:
        pytest.fail(f"/healthz did not answer within {ANSWER_WITHIN} s")


async def test_healthz_answers_at_once_and_says_it_waits_on_the_write_lock_and_nothing_is_lost(
    tmp_path: Path, fakes: Fakes, children: list[Process]
) -> None:
    telegram = fakes.telegram
    database = tmp_path / "stall.db"
    bot = await spawn(run_environ(fakes, f"sqlite:///{database}", free_port()), tmp_path, "bot")
    children.append(bot)
    await bot.until_healthy()
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLDER,
        str(database),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 10.0) == b"locked\n"
        for user in USERS:
            await telegram.push(telegram.message(user, "/start"))
        await asyncio.sleep(STALLED_AFTER + 0.2)  # the turns wait for the lock a while

        probes = []
        for _ in range(PROBES):
            probes.append(await answered_within(bot.port))
            await asyncio.sleep(0.5)
        assert telegram.sent == []  # nothing could be stored, so nothing was answered yet
    finally:
        assert holder.stdin is not None
        holder.stdin.write(b"\n")
        await holder.stdin.drain()
        await asyncio.wait_for(holder.wait(), 10.0)

    for took, status, report in probes:
        assert took < ANSWER_WITHIN
        assert status == 503, report
        assert report["ok"] is False
        assert report["ready"] is True
        assert report["storage"]["ok"] is False
        assert report["storage"]["waiting"] == "sqlite write lock"
        assert report["database"] == "waiting"
        assert report["outbox_backlog"] == 0
        assert report["dead_letters"] == 0
    waited = [report["storage"]["for_seconds"] for _, _, report in probes]
    assert waited == sorted(waited), waited
    assert waited[-1] - waited[0] >= 1.0, waited

    # Released: every turn that came in meanwhile is answered, and health is whole again.
    def everyone_answered() -> bool:
        return {m["chat"]["id"] for m in telegram.sent} == set(USERS)

    await telegram.wait_for(everyone_answered, WITHIN)
    assert all("Only invited professionals" in m["text"] for m in telegram.sent)
    took, status, report = await answered_within(bot.port)
    assert status == 200, report
    assert report["storage"] == {"ok": True, "backend": "sqlite"}
    assert report["database"] == "ok"
    assert await bot.terminate() == 0
    assert "Traceback" not in bot.log.read_text()
