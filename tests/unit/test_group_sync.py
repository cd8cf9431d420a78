"""Group commit: commits that are ready together share one sync, and none returns before a
sync that began after it has ended."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.storage.sqlite.group_sync import GroupSync, sync_file


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
    group = held.group = GroupSync(tmp_path / "x.db-wal", held)
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
    group = held.group = GroupSync(tmp_path / "x.db-wal", held)
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

    group = GroupSync(tmp_path / "x.db-wal", broken)
    tickets = [group.committed() for _ in range(3)]
    for ticket in tickets:
        with pytest.raises(OSError, match="disk gone"):
            await group.durable(ticket)


def test_a_log_that_is_gone_needs_no_sync(tmp_path: Path) -> None:
    sync_file(tmp_path / "checkpointed.db-wal")  # no error
    (tmp_path / "here.db-wal").write_bytes(b"frames")
    sync_file(tmp_path / "here.db-wal")
