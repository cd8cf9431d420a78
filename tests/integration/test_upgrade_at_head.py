"""Starting on a database that is already at the head skips Alembic (issue 8, footprint): the
head is read from the migration files, and anything unusual still goes through Alembic."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import create_engine
from bot.storage.migrate import (
    VERSIONS,
    alembic_config,
    at_head,
    downgrade,
    script_heads,
    upgrade,
)
from bot.testing import database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database of this test's own."""
    made = create_engine(database_url(tmp_path / "head.db"))
    yield made
    await made.dispose()


def write_script(directory: Path, name: str, revision: str, parent: str) -> None:
    """A migration file with the header Alembic's template writes."""
    (directory / f"{name}.py").write_text(
        f'"""{name}\n\nRevision ID: {revision}\n"""\n\n'
        f"revision: str = {revision}\ndown_revision: str | None = {parent}\n"
        "branch_labels: str | None = None\n"
    )


def test_the_heads_read_from_the_migration_files_are_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config())

    assert script_heads() == frozenset(script.get_heads())
    assert script_heads(VERSIONS) is not None


def test_a_merge_revision_or_two_heads_are_left_to_alembic(tmp_path: Path) -> None:
    write_script(tmp_path, "a", '"a"', "None")
    write_script(tmp_path, "b", '"b"', '"a"')
    (tmp_path / "__init__.py").write_text("")
    assert script_heads(tmp_path) == frozenset({"b"})

    write_script(tmp_path, "c", '"c"', '"a"')
    assert script_heads(tmp_path) == frozenset({"b", "c"})

    write_script(tmp_path, "d", '"d"', '("b", "c")')
    assert script_heads(tmp_path) is None


def test_a_script_whose_parent_is_missing_is_left_to_alembic(tmp_path: Path) -> None:
    write_script(tmp_path, "b", "'b'", "'a'")

    assert script_heads(tmp_path) is None


async def test_an_empty_database_is_not_at_head_and_is_migrated_to_it(
    engine: AsyncEngine,
) -> None:
    assert await at_head(engine) is False

    await upgrade(engine)

    assert await at_head(engine) is True


async def test_a_database_behind_the_head_is_still_migrated(engine: AsyncEngine) -> None:
    await upgrade(engine)
    [head] = sorted(script_heads() or ())
    await downgrade(engine, "0004")
    assert await at_head(engine) is False

    await upgrade(engine)

    async with engine.connect() as connection:
        stamped = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    assert [row[0] for row in stamped] == [head]


def test_starting_on_a_database_at_head_does_not_load_alembic(tmp_path: Path) -> None:
    url = database_url(tmp_path / "started.db")
    program = (
        "import asyncio, sys\n"
        "from bot.storage.engine import create_engine\n"
        "from bot.storage.migrate import upgrade\n"
        "async def start(url):\n"
        "    engine = create_engine(url)\n"
        "    await upgrade(engine)\n"
        "    await engine.dispose()\n"
        "asyncio.run(start(sys.argv[1]))\n"
        "print('alembic' in sys.modules)\n"
    )

    def loaded_alembic() -> str:
        done = subprocess.run(
            [sys.executable, "-c", program, url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return done.stdout.strip()

    assert loaded_alembic() == "True"  # an empty database: migrated
    assert loaded_alembic() == "False"  # at the head: left alone
