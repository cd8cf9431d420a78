"""``concernbot members``: who is enrolled, by id, role, organisation, channel, language and
pseudonym; names only when asked for, contact details never."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import cli
from bot.domain.model import Member, Role
from bot.testing import TEST_KEY, FakeClock, RecordingOutlet, example_settings, join, start_app

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
NAME = "CANARY-NAME-member-3b1d"
"""The reporter's display name, which is also their account id on the recording channel."""


@pytest.fixture
async def enrolled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Member, Member]]:
    """A reporter and a backup coordinator on the example network; the command's environment."""
    settings = example_settings(tmp_path / "bot.db")
    app = await start_app(settings, FakeClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC)))
    try:
        outlet = RecordingOutlet()
        reporter = (await join(app, outlet, NAME)).member
        coordinator = (await join(app, outlet, "carl", Role.COORDINATOR, language="nl")).member
        assert coordinator.id is not None
        async with app.uow() as uow:
            await uow.members.set_backup(coordinator.id, True)
            await uow.commit()
    finally:
        await app.close()
    monkeypatch.setenv("CONCERNBOT_DATABASE_URL", settings.database.url)
    monkeypatch.setenv("CONCERNBOT_ENCRYPTION_KEYS", f"test:{TEST_KEY}")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield reporter, coordinator
    root.handlers[:] = handlers
    root.setLevel(level)


async def concernbot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the ``concernbot`` command (in a thread: it runs its own event loop)."""
    capsys.readouterr()
    code = await asyncio.to_thread(cli.main, ["--config", str(EXAMPLE), *argv])
    out, err = capsys.readouterr()
    return code, out, err


async def test_members_lists_id_role_organisation_channel_language_and_pseudonym(
    enrolled: tuple[Member, Member], capsys: pytest.CaptureFixture[str]
) -> None:
    reporter, coordinator = enrolled
    code, out, err = await concernbot(capsys, "members")

    header, *rows = (line.split() for line in out.splitlines())
    assert code == 0, err
    assert header == [
        "id",
        "network",
        "organisation",
        "role",
        "channel",
        "language",
        "pseudonym",
        "flags",
    ]
    assert rows == [
        [
            str(reporter.id),
            "demo",
            "jongerenwerk-noord",
            "reporter",
            "console",
            "en",
            reporter.pseudonym,
            "-",
        ],
        [
            str(coordinator.id),
            "demo",
            "jongerenwerk-noord",
            "coordinator",
            "console",
            "nl",
            coordinator.pseudonym,
            "backup",
        ],
    ]
    assert "2 members" in err
    assert NAME not in out  # neither the name nor the account id it doubles as


async def test_members_shows_names_only_when_asked_and_never_an_account_id(
    enrolled: tuple[Member, Member], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await concernbot(capsys, "members", "--names")

    header, reporter, coordinator = out.splitlines()
    assert code == 0
    assert header.split()[-1] == "name"
    assert reporter.split()[-1] == NAME
    assert coordinator.split()[-1] == "carl"
    assert out.count(NAME) == 1  # the name column only: no account column beside it
