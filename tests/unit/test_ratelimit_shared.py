"""The shared send budget's pacing arithmetic, on a virtual clock, with the database's row
(GCRA: the theoretical arrival time of the next free slot) kept in memory."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from adapters.ratelimit import SendLimiter
from adapters.shared_budget import SharedBudget
from bot.storage.send_budget import Leased

LIMIT = 30
INTERVAL = 1.03 / LIMIT
"""Seconds between two slots: 30 in any 1.03 s, a 3 % margin."""


class VirtualTime:
    """A clock for several senders at once: it moves on to the next wake-up only once every
    sender sleeps (or is done), so nothing is ever slept on for real."""

    def __init__(self, late: Callable[[], float] = lambda: 0.0) -> None:
        self.now = 100.0
        self._late = late
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._changed = asyncio.Event()

    def monotonic(self) -> float:
        """The current virtual time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Wake up ``seconds`` later (plus the lateness a busy event loop would add)."""
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        at = self.now + max(seconds, 0.0) + self._late()
        heapq.heappush(self._sleepers, (at, next(self._order), woken))
        self._changed.set()
        await woken

    async def run(self, *senders: Coroutine[Any, Any, None]) -> None:
        """Run ``senders`` side by side until all are done."""
        tasks = [asyncio.create_task(sender) for sender in senders]
        for task in tasks:
            task.add_done_callback(lambda _: self._changed.set())
        while live := [task for task in tasks if not task.done()]:
            if len(self._sleepers) < len(live):
                self._changed.clear()
                await self._changed.wait()
                continue
            at, _, woken = heapq.heappop(self._sleepers)
            self.now = max(self.now, at)
            woken.set_result(None)
        for task in tasks:
            task.result()


class MemoryRow:
    """The budget row of bot.storage.send_budget, in memory, on the virtual clock."""

    def __init__(self, time: VirtualTime, round_trip: float = 0.0, holders: int = 1) -> None:
        self.time = time
        self.round_trip = round_trip
        self.holders = holders
        self.tat = 0.0
        self.leases = 0
        self.failing: BaseException | None = None

    async def lease(self, span: float) -> Leased:
        """Move the row on by ``span``; the statement runs halfway through the round trip."""
        if self.round_trip:
            await self.time.sleep(self.round_trip / 2)
        if self.failing is not None:
            raise self.failing
        now = self.time.now
        self.tat = max(self.tat, now) + span
        self.leases += 1
        leased = Leased(self.tat - now, self.holders)
        if self.round_trip:
            await self.time.sleep(self.round_trip / 2)
        return leased


def shared(time: VirtualTime, row: MemoryRow, **options: Any) -> tuple[SendLimiter, SharedBudget]:
    """Telegram's limits with the overall rate kept by the shared ``row``."""
    budget = SharedBudget(row.lease, LIMIT, monotonic=time.monotonic, **options)
    limiter = SendLimiter(LIMIT, 1.0, 3.0, time.monotonic, time.sleep, budget=budget)
    return limiter, budget


async def send(limiter: SendLimiter, time: VirtualTime, chats: range, log: list[float]) -> None:
    """One message to each chat of ``chats``; when each was let go."""
    for chat in chats:
        await limiter.wait(str(chat))
        log.append(time.now)


def busiest(times: list[float], window: float = 1.0) -> int:
    """The most sends within any ``window`` seconds (as the platform counts them)."""
    ordered = sorted(times)
    return max(
        sum(1 for t in ordered[i:] if t < start + window - 1e-9) for i, start in enumerate(ordered)
    )


def rate(times: list[float]) -> float:
    """Sends a second from the first to the last."""
    return (len(times) - 1) / (max(times) - min(times))


async def three_instances(time: VirtualTime, row: MemoryRow, each: int) -> list[float]:
    """Three instances, each with its own limiter on the one row, sending ``each`` messages."""
    sent: list[float] = []
    limiters = [shared(time, row)[0] for _ in range(3)]
    await time.run(
        *(send(lim, time, range(i * each, (i + 1) * each), sent) for i, lim in enumerate(limiters))
    )
    return sent


async def test_three_instances_sharing_the_budget_never_send_more_than_the_limit_in_a_second() -> (
    None
):
    time = VirtualTime()
    row = MemoryRow(time)

    sent = await three_instances(time, row, 100)

    assert len(sent) == 300
    assert busiest(sent) <= LIMIT
    assert busiest(sent, 1.03) <= LIMIT
    assert rate(sent) >= 0.95 * LIMIT


async def test_three_instances_each_with_its_own_window_send_three_times_the_limit() -> None:
    time = VirtualTime()
    sent: list[float] = []
    limiters = [SendLimiter(LIMIT, 1.0, 3.0, time.monotonic, time.sleep) for _ in range(3)]

    await time.run(
        *(send(lim, time, range(i * 100, i * 100 + 100), sent) for i, lim in enumerate(limiters))
    )

    assert busiest(sent) > 2 * LIMIT  # what Telegram saw before the budget was shared


async def test_one_round_trip_to_the_database_serves_three_sends() -> None:
    time = VirtualTime()
    row = MemoryRow(time)

    await three_instances(time, row, 30)

    assert row.leases == 30


async def test_a_lease_round_trip_makes_sends_late_never_early_and_keeps_the_rate() -> None:
    time = VirtualTime()
    row = MemoryRow(time, round_trip=0.004)

    sent = await three_instances(time, row, 100)

    assert busiest(sent, 1.0 + 0.03 - 0.004) <= LIMIT
    assert rate(sent) >= 0.95 * LIMIT


async def test_a_slot_found_too_late_is_skipped_so_late_wake_ups_never_break_the_limit() -> None:
    lateness = itertools.cycle((0.0, 0.0, 0.0, 0.0, 0.05, 0.0, 0.0, 0.012, 0.0, 0.08, 0.0))
    time = VirtualTime(late=lambda: next(lateness))
    row = MemoryRow(time)

    sent = await three_instances(time, row, 100)

    # Late by up to 80 ms, yet within the margin of their slots: 30 in any 1.01 s.
    assert busiest(sent, 1.01) <= LIMIT
    assert rate(sent) >= 0.8 * LIMIT


async def test_slots_leased_and_not_used_are_lost_time_not_extra_sends() -> None:
    time = VirtualTime()
    row = MemoryRow(time)
    quiet, quiet_budget = shared(time, row)
    busy, _ = shared(time, row)
    sent: list[float] = []
    began = time.now

    await time.run(send(quiet, time, range(1), sent), send(busy, time, range(1, 61), sent))

    assert busiest(sent) <= LIMIT
    # The quiet instance's two unused slots are gaps in the stream, never filled twice.
    gaps = sorted(b - a for a, b in itertools.pairwise(sorted(sent)))
    assert gaps[-1] == pytest.approx(3 * INTERVAL)
    assert max(sent) - began == pytest.approx(62 * INTERVAL)
    await time.run(send(quiet, time, range(100, 101), []))  # its stale slots are dropped
    assert quiet_budget.unused == 2


async def test_when_the_database_fails_the_instance_sends_its_share_for_a_while_then_leases_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    time = VirtualTime()
    row = MemoryRow(time, holders=3)
    limiter, budget = shared(time, row, fallback_seconds=15.0)
    sent: list[float] = []
    await time.run(send(limiter, time, range(3), sent))
    row.failing = OSError("connection refused to db.internal: concern K7Q-M3X")
    failed_at = time.now

    with caplog.at_level(logging.INFO, logger="adapters.shared_budget"):
        await time.run(send(limiter, time, range(3, 300), sent))

    during = [t for t in sent if failed_at < t < failed_at + 15.0]
    assert busiest(during) <= LIMIT // 3  # 30 a second shared by three: 10 each
    assert len(during) >= 0.95 * 15 * 10
    assert budget.falling_back  # the database still fails: another spell of the local share
    messages = [record.getMessage() for record in caplog.records]
    assert any("OSError" in m and "at most 10.0 a second" in m for m in messages)
    assert not any("K7Q" in m or "db.internal" in m for m in messages)

    row.failing = None
    with caplog.at_level(logging.INFO, logger="adapters.shared_budget"):
        await time.run(send(limiter, time, range(300, 500), sent))
    assert not budget.falling_back
    assert any("leased again" in record.getMessage() for record in caplog.records)


async def test_a_lease_that_times_out_falls_back_to_the_local_share_too() -> None:
    time = VirtualTime()
    row = MemoryRow(time, holders=2)
    limiter, budget = shared(time, row)
    await time.run(send(limiter, time, range(3), []))
    row.failing = TimeoutError()

    sent: list[float] = []
    await time.run(send(limiter, time, range(3, 60), sent))

    assert budget.falling_back
    assert busiest(sent) <= LIMIT // 2
