"""The Matrix sync loop without a homeserver: the next sync does not wait for a batch's
handlers, and a batch's token is kept only once it and every batch before it were handled."""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.lanes import ChatLanes
from adapters.matrix.sync import SyncLoop


def batch(number: int) -> dict[str, Any]:
    """Sync batch ``number``: one message in a room of its own."""
    event = {"type": "m.room.message", "sender": "@r:hs", "event_id": f"$e{number}"}
    rooms = {"join": {f"!room{number}:hs": {"timeline": {"events": [event]}}}}
    return {"next_batch": f"t{number}", "rooms": rooms}


class FakeClient:
    """Hands out the scripted batches, then long-polls for ever (or, ``idle``, returns
    empty batches as a long poll that timed out)."""

    mxid = "@bot:hs"

    def __init__(self, batches: list[dict[str, Any]], idle: bool = False) -> None:
        self.batches = batches
        self.idle = idle
        self.since: list[str | None] = []

    async def sync(self, since: str | None, timeout: int) -> dict[str, Any]:  # noqa: ASYNC109
        self.since.append(since)
        if self.batches:
            return self.batches.pop(0)
        if not self.idle:
            await asyncio.Event().wait()
        await asyncio.sleep(0)
        return {"next_batch": since}

    def handle_sync(self, data: dict[str, Any]) -> list[Any]:
        return []


class FakeStore:
    """The kept sync token."""

    def __init__(self) -> None:
        self.kept: list[str] = []

    async def get_next_batch(self) -> str | None:
        return self.kept[-1] if self.kept else None

    async def put_next_batch(self, token: str) -> None:
        self.kept.append(token)


async def test_a_later_batch_is_synced_while_an_earlier_one_waits_and_tokens_keep_order() -> None:
    client, store = FakeClient([batch(1), batch(2), batch(3)]), FakeStore()
    release = {n: asyncio.Event() for n in (1, 2, 3)}
    handled: list[str] = []

    async def handle(raw: dict[str, Any]) -> None:
        await release[int(raw["event_id"][2:])].wait()
        handled.append(raw["event_id"])

    loop = SyncLoop(client, store, ChatLanes(4), handle, 1.0)  # type: ignore[arg-type]
    loop.start()
    for _ in range(20):
        await asyncio.sleep(0)
    assert client.since == [None, "t1", "t2", "t3"]  # synced on while batch 1 waits
    release[2].set()
    release[3].set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert handled == ["$e2", "$e3"]
    assert store.kept == []  # batch 1 is not handled yet: nothing kept
    release[1].set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert store.kept == ["t1", "t2", "t3"]
    await loop.stop()


async def test_after_a_failed_batch_nothing_later_is_kept_and_it_all_comes_again() -> None:
    client, store = FakeClient([batch(1), batch(2), batch(3)], idle=True), FakeStore()
    slept: list[float] = []

    async def handle(raw: dict[str, Any]) -> None:
        if raw["event_id"] == "$e2":
            raise RuntimeError("handler failed")

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    loop = SyncLoop(client, store, ChatLanes(4), handle, 1.0, sleep)  # type: ignore[arg-type]
    loop.start()
    for _ in range(50):
        await asyncio.sleep(0)
    assert set(store.kept) == {"t1"}  # never t2 or t3
    assert slept == [1.0]
    # Once the long poll in hand returned: batch 2 (and what followed) comes again.
    assert client.since[-1] == "t1"
    await loop.stop()
