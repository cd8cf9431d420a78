"""Group commit on SQLite, through the bot's own units of work: a durable unit returns only
after a sync of the write-ahead log that began after its commit, and the next writer does not
wait for that sync (it commits meanwhile and shares the next one)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app.composition import App
from bot.storage.uow_factory import UnitOfWorkFactory

pytestmark = pytest.mark.sqlite_only


async def until(condition: Callable[[], bool], turns: int = 100_000) -> None:
    """Let the loop run until ``condition()`` holds (a bounded number of turns)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


async def test_a_durable_unit_waits_for_the_logs_sync_and_the_next_writer_goes_on(
    app: App,
) -> None:
    group = app.uow.group
    assert group is not None
    release = threading.Event()
    synced: list[Path] = []

    def held_sync(log: Path) -> None:
        synced.append(log)
        assert release.wait(5.0)

    group._sync = held_sync
    group._pace.on_thread = True  # a slow disk: syncs on a thread, where commits share them

    async def write() -> None:
        async with app.uow() as uow:
            await uow.commit()

    first = asyncio.ensure_future(write())
    await until(lambda: len(synced) == 1)
    second = asyncio.ensure_future(write())  # the writer's turn is free again
    await until(lambda: group._committed == 2)
    assert not first.done()
    assert not second.done()

    release.set()
    await asyncio.gather(first, second)
    assert group.syncs == 2  # the second commit came after the first sync began
    assert synced[0].name.endswith(".db-wal")


async def test_on_a_quick_disk_a_durable_unit_is_synced_in_place_before_it_ends(
    app: App,
) -> None:
    group = app.uow.group
    assert group is not None
    threads: list[int] = []
    group._sync = lambda _log: threads.append(threading.get_ident())
    before = group.syncs
    async with app.uow() as uow:
        await uow.commit()
    assert group.syncs == before + 1
    assert threads == [threading.get_ident()]


async def test_without_group_commit_each_durable_commit_syncs_on_its_own(app: App) -> None:
    single = UnitOfWorkFactory(app.engine, app.uow.cipher, group_commit=False)
    try:
        assert single.group is None
        async with single() as uow:
            # 2 is FULL: the commit itself waits for its sync.
            assert (await uow.connection.execute(text("PRAGMA synchronous"))).scalar_one() == 2
            await uow.commit()
    finally:
        single.dispose()
