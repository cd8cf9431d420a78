"""Chat lanes: one chat's turns in order, other chats side by side, and a chat that waits for
its own earlier turn holds none of the slots the others need."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from adapters.lanes import ChatLanes
from bot.conversation.throttle import QUEUED_AT


async def settle() -> None:
    """Let every ready task run until the loop has nothing left to do right now."""
    for _ in range(50):
        await asyncio.sleep(0)


class Turns:
    """Fake turns that note when they start and end, and end only when released."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.ended: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    def turn(self, name: str, blocked: bool = False) -> Callable[[], Awaitable[None]]:
        """A turn named ``name``; a ``blocked`` one waits for ``release(name)``."""
        gate = self.gates.setdefault(name, asyncio.Event())
        if not blocked:
            gate.set()

        async def run() -> None:
            self.started.append(name)
            await gate.wait()
            self.ended.append(name)

        return run

    def release(self, name: str) -> None:
        """Let the turn ``name`` end."""
        self.gates[name].set()


async def test_a_flooding_chat_holds_one_slot_and_the_other_chats_run_at_once() -> None:
    lanes, turns = ChatLanes(limit=2), Turns()
    submitting = asyncio.create_task(_submit_all(lanes, turns))
    try:
        await settle()
        # The flooder's first turn is stuck (waiting out a send limit); its next 9 wait behind
        # it without a slot, so both other chats get the second slot, one after the other.
        assert turns.started == ["flood-0", "alice", "bob"]
        assert turns.ended == ["alice", "bob"]
        assert submitting.done()
        assert lanes.busy == 10
    finally:
        for name in list(turns.gates):
            turns.release(name)
        await settle()
        await lanes.drain()
    assert turns.ended[2:] == [f"flood-{i}" for i in range(10)]


async def _submit_all(lanes: ChatLanes, turns: Turns) -> None:
    for i in range(10):
        await lanes.submit("flooder", turns.turn(f"flood-{i}", blocked=i == 0))
    await lanes.submit("alice", turns.turn("alice"))
    await lanes.submit("bob", turns.turn("bob"))


async def test_one_chats_turns_run_in_the_order_they_came_and_never_two_at_once() -> None:
    lanes, turns = ChatLanes(limit=8), Turns()
    for i in range(5):
        await lanes.submit("chat", turns.turn(f"t{i}", blocked=True))
    await settle()
    assert turns.started == ["t0"]
    for i in range(5):
        turns.release(f"t{i}")
        await settle()
        assert turns.started == [f"t{j}" for j in range(min(i + 2, 5))]
    await lanes.drain()
    assert turns.ended == [f"t{i}" for i in range(5)]


async def test_no_more_turns_run_at_once_than_there_are_slots() -> None:
    lanes, turns = ChatLanes(limit=2), Turns()
    submitting = [
        asyncio.create_task(lanes.submit(name, turns.turn(name, blocked=True)))
        for name in ("a", "b", "c")
    ]
    await settle()
    assert all(task.done() for task in submitting)
    assert turns.started == ["a", "b"]
    turns.release("a")
    await settle()
    assert turns.started == ["a", "b", "c"]
    turns.release("b")
    turns.release("c")
    await lanes.drain()


async def test_submitting_waits_only_once_the_backlog_is_full() -> None:
    lanes, turns = ChatLanes(limit=1, backlog=2), Turns()
    await lanes.submit("a", turns.turn("a", blocked=True))
    await lanes.submit("a", turns.turn("a2"))
    third = asyncio.create_task(lanes.submit("b", turns.turn("b")))
    await settle()
    assert not third.done()
    turns.release("a")
    await settle()
    assert third.done()
    await lanes.drain()
    assert sorted(turns.ended) == ["a", "a2", "b"]
    assert turns.ended.index("a") < turns.ended.index("a2")


async def test_a_turn_knows_when_it_was_queued_whenever_it_runs() -> None:
    lanes, seen = ChatLanes(limit=2), []
    gate = asyncio.Event()

    async def first() -> None:
        await gate.wait()

    async def second() -> None:
        seen.append(QUEUED_AT.get())

    await lanes.submit("chat", first)
    await lanes.submit("chat", second)
    queued = asyncio.get_running_loop().time()
    gate.set()
    await lanes.drain()
    assert seen[0] is not None
    assert seen[0] <= queued
    assert QUEUED_AT.get() is None
