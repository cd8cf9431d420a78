"""Waiting for SQLite's write lock: retried after pauses that double, noted while it lasts,
given up after the limit (issue 14)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage.sqlite.lock_wait import LONGEST_PAUSE, LockWaits, after_busy, is_busy, while_busy


class Time:
    """A clock that moves only when the code under test pauses."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def clock(self) -> float:
        """The current time."""
        return self.now

    async def pause(self, seconds: float) -> None:
        """Pass ``seconds`` at once."""
        self.pauses.append(seconds)
        self.now += seconds


def busy_error(tmp_path: Path) -> sqlite3.OperationalError:
    """The error sqlite3 raises when another connection holds the write lock."""
    holder = sqlite3.connect(tmp_path / "lock.db", isolation_level=None)
    waiter = sqlite3.connect(tmp_path / "lock.db", isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        waiter.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return error
    finally:
        holder.close()
        waiter.close()
    raise AssertionError("the lock was not taken")


def test_only_sqlites_busy_error_counts_as_waiting_for_the_lock(tmp_path: Path) -> None:
    assert is_busy(busy_error(tmp_path))
    assert not is_busy(sqlite3.OperationalError("no such table: outbox"))
    assert not is_busy(RuntimeError("database is locked"))


async def test_an_attempt_is_retried_after_pauses_that_double_and_noted_while_it_waits(
    tmp_path: Path,
) -> None:
    time, error = Time(), busy_error(tmp_path)
    waits = LockWaits(time.clock)
    seen: list[float | None] = []

    def attempt() -> str:
        seen.append(waits.longest())
        if len(seen) < 10:
            raise error
        return "done"

    assert await after_busy(attempt, waits, time.pause, clock=time.clock) == "done"
    assert time.pauses == [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.1, 0.1, 0.1]
    assert seen[0] == pytest.approx(0.001)
    assert seen[-1] == pytest.approx(sum(time.pauses))
    assert waits.longest() is None
    assert waits.waiters == 0


async def test_the_wait_ends_with_database_is_locked_after_the_limit(tmp_path: Path) -> None:
    time, error = Time(), busy_error(tmp_path)
    waits = LockWaits(time.clock)

    def attempt() -> None:
        raise error

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await after_busy(attempt, waits, time.pause, limit=5.0, clock=time.clock)
    assert 5.0 <= time.now <= 5.0 + LONGEST_PAUSE
    assert waits.waiters == 0


async def test_another_error_is_not_retried() -> None:
    calls = 0

    def attempt() -> None:
        nonlocal calls
        calls += 1
        raise sqlite3.OperationalError("no such table: outbox")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await while_busy(attempt, LockWaits())
    assert calls == 1


def test_the_longest_wait_is_that_of_the_first_waiter_still_waiting() -> None:
    time = Time()
    waits = LockWaits(time.clock)
    first = waits.begin()
    time.now = 2.0
    second = waits.begin()
    time.now = 3.0
    assert waits.longest() == 3.0
    assert waits.waiters == 2
    waits.end(first)
    assert waits.longest() == 1.0
    waits.end(second)
    assert waits.longest() is None
