"""Storage on a real SQLite file: migrations, restarts, and dialogs that survive them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.composition import App
from bot.domain.model import Role, Status
from bot.settings import Settings
from bot.share_script import FACTS
from bot.storage.engine import create_engine
from bot.storage.migrate import downgrade, upgrade
from bot.storage.tables import concerns, dialog_states, metadata
from bot.testing import Chat, FakeClock, RecordingOutlet, join, start_app
from tests.integration.conftest import act, share, share_script, texts

HEAD = "0017_outbox_pending"


async def table_names(engine: AsyncEngine) -> set[str]:
    """The tables in the database."""
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def revision(engine: AsyncEngine) -> str | None:
    """The Alembic revision the database is at."""
    async with engine.connect() as connection:
        row = (await connection.execute(text("SELECT version_num FROM alembic_version"))).first()
    return None if row is None else str(row[0])


async def test_starting_on_an_empty_file_creates_the_whole_schema(app: App) -> None:
    assert await table_names(app.engine) == {*metadata.tables, "alembic_version"}
    assert await revision(app.engine) == HEAD


@pytest.mark.sqlite_only
async def test_the_sqlite_database_runs_in_wal_mode_with_foreign_keys(app: App) -> None:
    async with app.engine.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
        keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
        sync = (await connection.execute(text("PRAGMA synchronous"))).scalar_one()
    assert (mode, keys, sync) == ("wal", 1, 2)


async def durability(app: App, durable: bool | None) -> str:
    """How a unit of work of ``app`` commits: whether it waits for the disk (``None``: an
    ordinary unit; else one for delivery, ``durable`` or not)."""
    query = (
        "PRAGMA synchronous" if app.engine.dialect.name == "sqlite" else "SHOW synchronous_commit"
    )
    made = app.uow() if durable is None else app.uow.for_delivery(durable=durable)
    async with made as uow:
        return str((await uow.connection.execute(text(query))).scalar_one())


async def test_a_unit_of_work_waits_for_the_disk_unless_sqlite_may_redo_it(app: App) -> None:
    if app.engine.dialect.name != "sqlite":
        # PostgreSQL: every unit waits for the log, even one that may be redone (sharing the
        # server's group commit costs less than a round trip to ask for another commit).
        for durable in (None, False, True):
            assert await durability(app, durable=durable) == "on"
        return
    # SQLite: every commit goes to the log without a sync (1 is NORMAL); one that must be
    # durable then waits for a sync of the log (group commit), one that may be redone not.
    group = app.uow.group
    assert group is not None
    for durable, syncs in ((None, 1), (False, 0), (True, 1), (None, 1)):
        before = group.syncs
        made = app.uow() if durable is None else app.uow.for_delivery(durable=durable)
        async with made as uow:
            assert (await uow.connection.execute(text("PRAGMA synchronous"))).scalar_one() == 1
            await uow.commit()
        assert group.syncs - before == syncs, durable


async def test_restarting_on_a_migrated_file_keeps_the_data_and_the_revision(
    app: App, settings: Settings, clock: FakeClock, reporter: Chat
) -> None:
    reference = await share(reporter)
    await app.close()
    for _ in range(2):
        again = await start_app(settings, clock)
        try:
            assert await revision(again.engine) == HEAD
            async with again.uow() as uow:
                concern = await uow.concerns.by_reference(reference)
            assert concern is not None
            assert concern.facts == FACTS
        finally:
            await again.close()


async def test_upgrading_twice_changes_nothing(app: App) -> None:
    before = await table_names(app.engine)
    await upgrade(app.engine)
    assert await table_names(app.engine) == before
    assert await revision(app.engine) == HEAD


async def test_downgrading_to_base_and_upgrading_again_rebuilds_the_schema(app: App) -> None:
    await downgrade(app.engine, "base")
    assert await table_names(app.engine) == {"alembic_version"}
    assert await revision(app.engine) is None
    await upgrade(app.engine)
    assert await table_names(app.engine) == {*metadata.tables, "alembic_version"}
    assert await revision(app.engine) == HEAD


async def test_downgrading_one_revision_at_a_time_and_back_works_with_data(
    app: App, reporter: Chat
) -> None:
    reference = await share(reporter)
    for target in ("0004", "0003", "0002", "0001"):
        await downgrade(app.engine, target)
        assert await revision(app.engine) == target
    await upgrade(app.engine)
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
    assert concern is not None
    assert concern.facts == FACTS


DIGEST_INDEXES = {
    "concerns": {"ix_concerns_network_created", "ix_concerns_network_closed"},
    "usefulness": {"ix_usefulness_network_at"},
}


async def index_names(engine: AsyncEngine, table: str) -> set[str]:
    """The names of the indexes on ``table``."""
    async with engine.connect() as connection:
        found = await connection.run_sync(lambda c: inspect(c).get_indexes(table))
    return {str(index["name"]) for index in found}


async def test_revision_0006_adds_the_digest_indexes_and_its_downgrade_drops_only_them(
    app: App,
) -> None:
    at_head = {table: await index_names(app.engine, table) for table in DIGEST_INDEXES}
    for table, names in DIGEST_INDEXES.items():
        assert names <= at_head[table]
    await downgrade(app.engine, "0005")
    for table, names in DIGEST_INDEXES.items():
        assert await index_names(app.engine, table) == at_head[table] - names
    await upgrade(app.engine)
    for table in DIGEST_INDEXES:
        assert await index_names(app.engine, table) == at_head[table]


@pytest.mark.sqlite_only
async def test_a_fresh_engine_can_migrate_a_file_in_a_directory_that_does_not_exist_yet(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'deeper' / 'still' / 'bot.db'}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        assert "concerns" in await table_names(engine)
    finally:
        await engine.dispose()


async def test_a_concern_reads_back_as_it_was_written_with_its_history(
    app: App, reporter: Chat, coordinator: Chat, clock: FakeClock
) -> None:
    reference = await share(reporter)
    clock.advance(minutes=5)
    await act(coordinator, "ack", reference)
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference.lower())
    assert concern is not None
    assert concern.reference == reference
    assert concern.status is Status.ACKNOWLEDGED
    assert concern.reporter_id == reporter.member.id
    assert concern.acknowledged_by == coordinator.member.id
    assert concern.assignee_id == coordinator.member.id
    assert concern.actions_taken == ()
    assert (concern.frequency, concern.informed) == ("several", "not_yet")
    assert concern.created_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert concern.created_at.tzinfo is not None
    assert concern.acknowledged_at == concern.created_at + timedelta(minutes=5)
    assert [(c.status, c.by_member_id) for c in concern.history] == [
        (Status.ACKNOWLEDGED, coordinator.member.id)
    ]


async def test_saving_a_concern_twice_does_not_duplicate_its_history(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    await act(coordinator, "ack", reference)
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
        assert concern is not None
        await uow.concerns.save(concern)
        await uow.concerns.save(concern)
        await uow.commit()
    async with app.uow() as uow:
        again = await uow.concerns.by_reference(reference)
    assert again is not None
    assert len(again.history) == 1


async def test_leaving_a_unit_of_work_without_commit_rolls_back(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
        assert concern is not None
        assert coordinator.member.id is not None
        concern.acknowledge(coordinator.member.id, app.clock.now())
        await uow.concerns.save(concern)
    async with app.engine.connect() as connection:
        query = select(concerns.c.status).where(concerns.c.reference == reference)
        assert (await connection.execute(query)).scalar_one() == "received"


async def test_a_failing_turn_changes_nothing_and_apologises_without_logging_content(
    app: App, reporter: Chat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("CANARY-in-an-exception")

    monkeypatch.setattr("dialogs.share_flow.submit_concern", broken)
    replies = await reporter.script(share_script())
    assert "something went wrong on our side" in replies[-1].text  # in her language
    async with app.uow() as uow:
        assert await uow.concerns.of_reporter(reporter.member.id or 0) == []
        state = await uow.dialogs.load(reporter.member.id or 0)
    assert state is not None
    assert state.step == "summary"  # the confirmation was not taken: it can be given again
    assert "turn failed: RuntimeError" in caplog.text
    assert "CANARY" not in caplog.text


# Dialogs across restarts


async def test_a_dialog_resumes_after_a_restart_at_the_same_step_with_earlier_answers(
    settings: Settings, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    lines = share_script()
    cut = lines.index(FACTS) + 1  # facts typed, not yet marked complete
    first = await start_app(settings, clock)
    reporter = await join(first, outlet, "Rita-Reporter-q9")
    await reporter.script(lines[:cut])
    await first.close()  # as if killed: nothing but the committed state remains

    second = await start_app(settings, clock)
    try:
        again = await join(second, outlet, "Rita-Reporter-q9")
        assert again.member.id == reporter.member.id
        async with second.uow() as uow:
            state = await uow.dialogs.load(again.member.id or 0)
        assert state is not None
        assert (state.dialog, state.step) == ("share_concern", "facts")
        assert state.answers["facts"] == [FACTS]
        assert state.answers["privacy"] == "continue"
        nudged = texts(await again.say("/help"))
        assert "You are sharing a concern." in nudged
        assert nudged.endswith("choose Done when complete.")
        replies = await again.script(lines[cut:-1])
        summary = replies[-1].text
        assert "Please check your account" in summary
        assert FACTS in summary
        assert "16 or 17" in summary
        assert "School" in summary
        done = await again.script(lines[-1:])
        assert "Reference:" in done[-1].text
    finally:
        await second.close()


async def test_the_stored_dialog_state_follows_every_turn(app: App, reporter: Chat) -> None:
    lines = share_script()
    steps = []
    for line in lines[:6]:
        await reporter.script([line])
        async with app.engine.connect() as connection:
            steps.append(
                (await connection.execute(select(dialog_states.c.step))).scalar_one_or_none()
            )
    assert steps == ["safety", "privacy", "facts", "facts", "source", "interpretation"]
    await reporter.say("/cancel")
    async with app.engine.connect() as connection:
        assert (await connection.execute(select(dialog_states))).first() is None


async def test_a_member_enrolled_once_is_found_again_after_a_restart(
    settings: Settings, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    first = await start_app(settings, clock)
    made = await join(first, outlet, "Carl-Coordinator", Role.COORDINATOR)
    await first.close()
    second = await start_app(settings, clock)
    try:
        found = await join(second, outlet, "Carl-Coordinator", Role.COORDINATOR)
        assert found.member.id == made.member.id
        assert found.member.display_name == "Carl-Coordinator"
        assert found.member.pseudonym == made.member.pseudonym
    finally:
        await second.close()
