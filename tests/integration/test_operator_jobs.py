"""``concernbot jobs run NAME --dry-run`` shows what a run would send and change and changes
nothing; a run as of a future moment asks for ``--yes`` first."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from bot.app import cli
from bot.domain.model import Member, Role
from bot.settings import Settings
from bot.storage.tables import metadata
from bot.testing import (
    SHARE_SCRIPT,
    TEST_KEY,
    FakeClock,
    RecordingOutlet,
    example_settings,
    join,
    start_app,
    using_postgres,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
FACT = "CANARY-FACT-7f3a"
"""The free text the share script types; never printed by an operator command."""


@dataclass
class Overdue:
    """A normal concern shared five days ago and never acknowledged, on a closed database."""

    settings: Settings
    database: Path
    coordinator: Member


@pytest.fixture
async def overdue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Overdue]:
    """The concern, and the environment the ``concernbot`` command reads."""
    settings = example_settings(tmp_path / "bot.db")
    clock = FakeClock(datetime.now(UTC) - timedelta(days=5))
    app = await start_app(settings, clock)
    try:
        outlet = RecordingOutlet()
        reporter = await join(app, outlet, "rita")
        coordinator = (await join(app, outlet, "carl", Role.COORDINATOR)).member
        await reporter.script(SHARE_SCRIPT)
    finally:
        await app.close()
    monkeypatch.setenv("CONCERNBOT_DATABASE_URL", settings.database.url)
    monkeypatch.setenv("CONCERNBOT_ENCRYPTION_KEYS", f"test:{TEST_KEY}")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield Overdue(settings, tmp_path / "bot.db", coordinator)
    root.handlers[:] = handlers
    root.setLevel(level)


async def concernbot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the ``concernbot`` command (in a thread: it runs its own event loop)."""
    capsys.readouterr()
    code = await asyncio.to_thread(cli.main, ["--config", str(EXAMPLE), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def stored(settings: Settings) -> dict[str, list[str]]:
    """Every row of every table (read apart from the bot's own code), and on SQLite the
    database file's bytes."""
    url = make_url(settings.database.url)
    sync = url.set(drivername="postgresql+psycopg" if using_postgres() else "sqlite")
    engine = create_engine(sync)
    try:
        with engine.connect() as connection:
            rows = {
                table.name: sorted(repr(tuple(r)) for r in connection.execute(select(table)))
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()
    if not using_postgres():
        assert url.database is not None
        rows["file"] = [hashlib.sha256(Path(url.database).read_bytes()).hexdigest()]
    return rows


async def test_a_dry_run_shows_recipient_channel_kind_and_count_and_changes_nothing(
    overdue: Overdue, capsys: pytest.CaptureFixture[str]
) -> None:
    before = stored(overdue.settings)
    code, out, err = await concernbot(capsys, "jobs", "run", "reminders", "--dry-run")

    assert code == 0, err
    assert stored(overdue.settings) == before
    carl = overdue.coordinator
    assert "dry run, nothing was sent or stored" in out
    assert "Would send 1 message:" in out
    line = f"  1 x message with 5 choices to coordinator {carl.pseudonym} #{carl.id} on console"
    assert line in out.splitlines()
    assert "  outbox: 1 added" in out
    assert "  job_runs: 2 added" in out
    for secret in (FACT, "testing limits", "has not been acknowledged", "carl"):
        assert secret not in out + err

    _, again, _ = await concernbot(capsys, "jobs", "run", "reminders", "--dry-run")
    assert again.splitlines()[1:] == out.splitlines()[1:], "the first changed nothing either"


async def test_a_real_run_after_a_dry_run_sends_what_the_dry_run_showed(
    overdue: Overdue, capsys: pytest.CaptureFixture[str]
) -> None:
    await concernbot(capsys, "jobs", "run", "reminders", "--dry-run")
    code, out, err = await concernbot(capsys, "jobs", "run", "reminders")

    assert code == 0, err
    assert "ran; 1 messages queued" in out


async def test_a_dry_run_of_a_period_already_done_says_a_real_run_would_do_nothing(
    overdue: Overdue, capsys: pytest.CaptureFixture[str]
) -> None:
    moment = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="minutes")
    await concernbot(capsys, "jobs", "run", "reminders", "--at", moment)
    code, out, _ = await concernbot(capsys, "jobs", "run", "reminders", "--at", moment, "--dry-run")

    assert code == 0
    assert "Already done for this period" in out


async def test_running_a_job_as_of_a_future_moment_is_refused_without_yes_and_says_why(
    overdue: Overdue, capsys: pytest.CaptureFixture[str]
) -> None:
    later = (datetime.now(UTC) + timedelta(days=10)).isoformat(timespec="minutes")
    before = stored(overdue.settings)
    code, out, err = await concernbot(capsys, "jobs", "run", "reminders", "--at", later)

    assert code == 2
    assert out == ""
    assert "in the future" in err
    assert "sends real messages now and moves real deadlines" in err
    assert "--yes" in err
    assert "--dry-run" in err
    assert stored(overdue.settings) == before

    code, out, err = await concernbot(capsys, "jobs", "run", "reminders", "--at", later, "--yes")
    assert code == 0, err
    assert "ran; 1 messages queued" in out


async def test_dry_run_and_yes_cannot_be_given_together(
    overdue: Overdue, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        await concernbot(capsys, "jobs", "run", "reminders", "--dry-run", "--yes")
    assert exit_.value.code == 2
