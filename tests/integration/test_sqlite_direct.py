"""Statements straight on sqlite3 from a plan: the same rows, counts, keys and errors as through
SQLAlchemy, and SQLAlchemy itself for whatever a plan does not cover."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, ResourceClosedError

from bot.storage.engine import create_engine
from bot.storage.sqlite.direct import DirectResult
from bot.storage.tables.columns import Stamp
from bot.storage.uow_factory import UnitOfWorkFactory
from bot.testing import fixed_cipher

pytestmark = pytest.mark.sqlite_only

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("word", String(20), nullable=False),
    Column("at", Stamp, nullable=False),
    Column("n", Integer, nullable=False, default=0),
)
marks = Table(
    "marks",
    metadata,
    Column("a", String(5), primary_key=True),
    Column("b", String(5), primary_key=True),
    Column("v", Integer, nullable=False),
)
ADD = insert(notes)
MARK = sqlite_insert(marks)
MARK = MARK.on_conflict_do_update(index_elements=["a", "b"], set_={"v": MARK.excluded.v})
BY_WORD = select(notes.c.id, notes.c.word, notes.c.at).where(notes.c.word == bindparam("word"))
FIRST_TWO = select(notes.c.id).order_by(notes.c.id).limit(2)
COUNT_UP = update(notes).where(notes.c.word == bindparam("w")).values(n=notes.c.n + 1)
AMSTERDAM = timezone(timedelta(hours=1))
MOMENT = datetime(2026, 12, 1, 10, 30, 15, 250_000, tzinfo=AMSTERDAM)


@pytest.fixture
async def factory(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(f"sqlite:///{tmp_path}/direct.db")
    made = UnitOfWorkFactory(engine, fixed_cipher())
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield made
    made.dispose()
    await engine.dispose()


def planned(result: Any) -> bool:
    """Whether ``result`` came through a plan (not through SQLAlchemy's execution)."""
    return isinstance(result, DirectResult)


async def test_a_statement_gets_a_plan_the_second_time_and_both_runs_agree(
    factory: UnitOfWorkFactory,
) -> None:
    values = {"word": "zorg", "at": MOMENT, "n": 3}
    async with factory() as uow:
        first = await uow.connection.execute(ADD, values)
        second = await uow.connection.execute(ADD, {**values, "word": "zorg2"})
        assert (planned(first), planned(second)) == (False, True)
        assert (first.inserted_primary_key, second.inserted_primary_key) == ((1,), (2,))
        rows = [await uow.connection.execute(BY_WORD, {"word": w}) for w in ("zorg", "zorg2")]
        assert (planned(rows[0]), planned(rows[1])) == (False, True)
        through_sqlalchemy, direct = rows[0].one(), rows[1].one()
        # The same types and the same ways in: by position, by name, by column. (SQLite keeps
        # the wall-clock time in UTC; the repositories make it aware again.)
        utc = MOMENT.astimezone(UTC).replace(tzinfo=None)
        assert through_sqlalchemy.at == direct.at == utc
        assert (direct[1], direct.word, direct._mapping["word"]) == ("zorg2",) * 3
        assert direct._mapping[notes.c.id] == 2
        await uow.commit()


async def test_an_insert_that_names_its_key_returns_that_key(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        for key in (7, 8):
            result = await uow.connection.execute(
                ADD, {"id": key, "word": "w", "at": MOMENT, "n": 0}
            )
        assert planned(result)
        assert result.inserted_primary_key == (8,)


async def test_an_upsert_of_many_rows_and_a_composite_key(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        for v in (1, 2):
            many = await uow.connection.execute(MARK, [{"a": "x", "b": b, "v": v} for b in "pq"])
        assert planned(many)
        for v in (3, 4):
            one = await uow.connection.execute(MARK, {"a": "y", "b": "p", "v": v})
        assert planned(one)
        assert one.inserted_primary_key == ("y", "p")
        stored = await uow.connection.execute(select(marks).order_by(marks.c.a, marks.c.b))
        assert [tuple(r) for r in stored] == [("x", "p", 2), ("x", "q", 2), ("y", "p", 4)]


async def test_row_counts_of_one_statement_and_of_many(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        many = [{"word": w, "at": MOMENT, "n": 0} for w in ("a", "a", "b")]
        for _ in range(2):
            added = await uow.connection.execute(ADD, many)
        assert planned(added)
        assert added.rowcount == 3
        for _ in range(2):
            changed = await uow.connection.execute(COUNT_UP, {"w": "a"})
        assert planned(changed)
        assert changed.rowcount == 4
        counts = await uow.connection.execute(select(notes.c.word, notes.c.n))
        assert sorted(tuple(r) for r in counts) == [("a", 2)] * 4 + [("b", 0)] * 2


async def test_bound_values_and_a_limit_in_the_statement_are_used(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        for word in "abc":
            await uow.connection.execute(ADD, {"word": word, "at": MOMENT})
        for _ in range(2):
            two = await uow.connection.execute(FIRST_TWO)
        assert planned(two)
        assert two.scalars().all() == [1, 2]


async def test_a_statement_without_rows_says_so_as_sqlalchemy_does(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        for _ in range(2):
            changed = await uow.connection.execute(COUNT_UP, {"w": "none"})
        assert planned(changed)
        with pytest.raises(ResourceClosedError):
            changed.first()


async def test_a_driver_error_arrives_as_sqlalchemys(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        row = {"id": 1, "word": "w", "at": MOMENT, "n": 0}
        await uow.connection.execute(ADD, row)
        await uow.connection.execute(ADD, {**row, "id": 2})
        with pytest.raises(IntegrityError):
            await uow.connection.execute(ADD, row)


async def test_a_missing_parameter_fails_as_through_sqlalchemy(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        await uow.connection.execute(BY_WORD, {"word": "x"})
        await uow.connection.execute(BY_WORD, {"word": "x"})
        with pytest.raises(Exception, match="word"):
            await uow.connection.execute(BY_WORD, {})


async def test_a_python_side_default_is_left_to_sqlalchemy(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        for word in ("a", "b"):
            result = await uow.connection.execute(ADD, {"word": word, "at": MOMENT})
        assert not planned(result)  # n's default is SQLAlchemy's to fill in
        n = await uow.connection.execute(select(notes.c.n).where(notes.c.word == "b"))
        assert n.scalar_one() == 0


async def test_while_something_listens_for_executions_everything_goes_through_sqlalchemy(
    factory: UnitOfWorkFactory,
) -> None:
    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(args[2])

    engine = factory.sync_engine
    async with factory() as uow:
        await uow.connection.execute(BY_WORD, {"word": "x"})
        event.listen(engine, "before_cursor_execute", note)
        try:
            result = await uow.connection.execute(BY_WORD, {"word": "x"})
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert not planned(result)
        assert len(seen) == 1
