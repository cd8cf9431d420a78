"""Group commit: commits that are ready together share one sync, and none returns before a
sync that began after it has ended."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.storage.sqlite.group_sync import GroupSync, sync_file
from bot.storage.statements import Committer


def slow_disk() -> Committer:
    """A pace that has found the disk slow: syncs go to a thread, where they can be grouped."""
    pace = Committer()
    pace.on_thread = True
    return pace


class HeldSync:
    """A sync that waits until released, noting how many commits were made when it began."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.began: list[int] = []
        self.group: GroupSync | None = None

    async def started(self, count: int) -> None:
        """Wait (on the loop, a bounded number of turns) until ``count`` syncs began."""
        for _ in range(100_000):
            if len(self.began) >= count:
                return
            await asyncio.sleep(0)
        raise AssertionError(f"{count} syncs did not begin")

    def __call__(self, _log: Path) -> None:
        assert self.group is not None
        self.began.append(self.group._committed)
        assert self.go.wait(5.0)


async def test_commits_ready_together_share_one_sync(tmp_path: Path) -> None:
    held = HeldSync()
    group = held.group = GroupSync(tmp_path / "x.db-wal", held, slow_disk())
    tickets = [group.committed() for _ in range(10)]
    waiting = [asyncio.ensure_future(group.durable(t)) for t in tickets]
    await held.started(1)
    assert not any(w.done() for w in waiting)  # none before its sync ended

    held.go.set()
    await asyncio.gather(*waiting)
    assert group.syncs == 1
    assert held.began == [10]


async def test_a_commit_during_a_sync_waits_for_the_next_one(tmp_path: Path) -> None:
    held = HeldSync()
    group = held.group = GroupSync(tmp_path / "x.db-wal", held, slow_disk())
    first = asyncio.ensure_future(group.durable(group.committed()))
    await held.started(1)  # the first sync is under way, with one commit in it
    later = asyncio.ensure_future(group.durable(group.committed()))
    held.go.set()
    await first
    await later

    assert group.syncs == 2
    assert held.began == [1, 2]


async def test_a_failing_sync_fails_every_commit_waiting_for_it(tmp_path: Path) -> None:
    def broken(_log: Path) -> None:
        raise OSError("disk gone")

    group = GroupSync(tmp_path / "x.db-wal", broken, slow_disk())
    tickets = [group.committed() for _ in range(3)]
    for ticket in tickets:
        with pytest.raises(OSError, match="disk gone"):
            await group.durable(ticket)


async def test_a_failing_sync_in_place_fails_its_commit(tmp_path: Path) -> None:
    def broken(_log: Path) -> None:
        raise OSError("disk gone")

    group = GroupSync(tmp_path / "x.db-wal", broken)
    with pytest.raises(OSError, match="disk gone"):
        await group.durable(group.committed())
    assert group.syncs == 0


class TimedSyncs:
    """Syncs that note the thread they ran on, and a timer that makes each take ``took`` s."""

    def __init__(self) -> None:
        self.took = 0.0001
        self.now = 0.0
        self.threads: list[int] = []

    def __call__(self, _log: Path) -> None:
        self.threads.append(threading.get_ident())
        self.now += self.took

    def timer(self) -> float:
        return self.now


async def test_on_a_quick_disk_each_commit_is_synced_in_place_before_it_returns(
    tmp_path: Path,
) -> None:
    syncs = TimedSyncs()
    group = GroupSync(tmp_path / "x.db-wal", syncs, Committer(slow=0.001, timer=syncs.timer))
    here = threading.get_ident()
    for _ in range(5):
        ticket = group.committed()
        await group.durable(ticket)
        assert group.syncs == ticket  # synced before durable() returned
    assert syncs.threads == [here] * 5


async def test_when_syncs_get_slow_they_move_to_a_thread_and_commits_share_them(
    tmp_path: Path,
) -> None:
    syncs = TimedSyncs()
    pace = Committer(slow=0.001, timer=syncs.timer)
    group = GroupSync(tmp_path / "x.db-wal", syncs, pace)
    syncs.took = 0.02  # the disk slows down: one slow sync in place, then a thread
    await group.durable(group.committed())
    here = threading.get_ident()
    assert (syncs.threads, pace.on_thread) == ([here], True)
    tickets = [group.committed() for _ in range(10)]
    await asyncio.gather(*(group.durable(t) for t in tickets))
    assert group.syncs == 2  # ten commits ready together, one sync between them
    assert syncs.threads[1] != here


def test_a_log_that_is_gone_needs_no_sync(tmp_path: Path) -> None:
    sync_file(tmp_path / "checkpointed.db-wal")  # no error
    (tmp_path / "here.db-wal").write_bytes(b"frames")
    sync_file(tmp_path / "here.db-wal")
