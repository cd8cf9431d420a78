"""SQLite's writer taken in turn: in order, urgent waiters first, cancellation safe."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage.sqlite.writer import WriterTurns


async def test_waiters_get_the_turn_in_order_urgent_ones_first() -> None:
    turns = WriterTurns()
    await turns.acquire()
    order: list[str] = []

    async def take(name: str, urgent: bool) -> None:
        await turns.acquire(urgent)
        order.append(name)
        turns.release()

    tasks = [
        asyncio.create_task(take(name, urgent))
        for name, urgent in (("a", False), ("b", True), ("c", False), ("d", True))
    ]
    await asyncio.sleep(0)  # every task now waits
    turns.release()
    await asyncio.gather(*tasks)
    assert order == ["b", "d", "a", "c"]


async def test_a_cancelled_waiter_neither_takes_nor_loses_the_turn() -> None:
    turns = WriterTurns()
    await turns.acquire()
    waiting = asyncio.create_task(turns.acquire())
    later = asyncio.create_task(turns.acquire())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    turns.release()
    await asyncio.wait_for(later, 1)  # the turn went to the next waiter
    turns.release()
    await asyncio.wait_for(turns.acquire(), 1)  # and is free again afterwards


async def test_a_turn_handed_to_a_waiter_being_cancelled_is_passed_on() -> None:
    turns = WriterTurns()
    await turns.acquire()
    first = asyncio.create_task(turns.acquire())
    second = asyncio.create_task(turns.acquire())
    await asyncio.sleep(0)
    turns.release()  # hands the turn to ``first``…
    first.cancel()  # …which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)


async def test_a_waiter_that_times_out_leaves_the_queue() -> None:
    turns = WriterTurns()
    await turns.acquire()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0):
            await turns.acquire()
    turns.release()
    await asyncio.wait_for(turns.acquire(), 1)  # free again: nobody is left waiting
