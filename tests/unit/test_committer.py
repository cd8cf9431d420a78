"""Durable commits: in place while the disk is quick, on a worker thread while it is slow, and
never abandoned half-way by a cancelled caller."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.storage.statements import Committer


class SlowCommit:
    """A connection whose commit waits (on a worker thread) until told to finish."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.committed = False

    def commit(self) -> None:
        self.started.set()
        self.release.wait(10)
        self.committed = True


async def test_a_cancelled_commit_on_the_thread_is_waited_for_before_the_cancellation_goes_on() -> (
    None
):
    connection = SlowCommit()
    committer = Committer()
    committer.on_thread = True
    task = asyncio.create_task(committer.commit(connection))  # type: ignore[arg-type]
    await asyncio.to_thread(connection.started.wait, 10)
    task.cancel()
    for _ in range(20):
        await asyncio.sleep(0)
    assert not task.done()  # still waiting for the commit, not off to roll back under it
    connection.release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert connection.committed


class Commits:
    """A connection that notes its commits, and a timer that makes each take ``took`` s."""

    def __init__(self) -> None:
        self.count = 0
        self.took = 0.0001
        self.now = 0.0
        self.threads: set[int] = set()

    def commit(self) -> None:
        self.count += 1
        self.threads.add(threading.get_ident())
        self.now += self.took

    def timer(self) -> float:
        return self.now


async def test_commits_run_in_place_while_the_disk_is_quick_and_on_a_thread_while_it_is_slow() -> (
    None
):
    commits = Commits()
    committer = Committer(slow=0.001, timer=commits.timer)
    here = threading.get_ident()
    for _ in range(20):
        await committer.commit(commits)  # type: ignore[arg-type]
    assert (committer.on_thread, commits.threads) == (False, {here})
    commits.took = 0.02  # the disk slows down: a few slow commits move them to a thread
    for _ in range(3):
        await committer.commit(commits)  # type: ignore[arg-type]
    assert committer.on_thread
    await committer.commit(commits)  # type: ignore[arg-type]
    # Off the loop's thread (the executor may start a second worker under load: any count > 1).
    assert here in commits.threads
    assert len(commits.threads) >= 2
    commits.took = 0.0001  # and once it is quick again for a while, they come back
    for _ in range(40):
        await committer.commit(commits)  # type: ignore[arg-type]
    assert not committer.on_thread
    assert commits.count == 64
