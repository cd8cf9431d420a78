"""The classes of start-up failure: distinct statuses, listed in --help, safe to print; and only
what a part knows how to name is translated (a bug keeps its traceback)."""

from __future__ import annotations

import errno
import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

import bot.app.database as opening
from adapters.http import cannot_listen
from bot.app.cli import main
from bot.settings import DatabaseSettings
from bot.startup_errors import (
    CONFIG_INVALID,
    CREDENTIALS_REJECTED,
    EXIT_STATUSES,
    ConfigError,
    PortUnavailable,
    StorageUnusable,
    masked_url,
)

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "concernbot.service"


def test_every_exit_status_is_distinct_and_listed_in_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    statuses = [status for status, _ in EXIT_STATUSES]
    assert len(set(statuses)) == len(statuses)

    with pytest.raises(SystemExit):
        main(["--help"])

    shown = capsys.readouterr().out
    for status, meaning in EXIT_STATUSES:
        assert f"{status:>3}  {meaning}" in shown


def test_a_database_url_is_printed_without_its_password() -> None:
    url = "postgresql+psycopg://bot:s3cret-pw@db.example:5432/concernbot"

    assert masked_url(url) == "postgresql+psycopg://bot:***@db.example:5432/concernbot"
    assert masked_url("sqlite:///var/bot.db") == "sqlite:///var/bot.db"


async def test_a_database_that_cannot_be_opened_is_named_but_a_bug_in_a_migration_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = DatabaseSettings(url=f"sqlite:///{tmp_path}/bot.db")
    failures = [
        OperationalError("BEGIN", {}, sqlite3.OperationalError("disk I/O error")),
        ProgrammingError("CREATE TABLE", {}, sqlite3.ProgrammingError("a bug of ours")),
    ]

    async def failing(engine: object) -> None:
        raise failures.pop(0)

    monkeypatch.setattr(opening, "upgrade", failing)

    with pytest.raises(StorageUnusable, match=r"\[database\] url .*disk I/O error"):
        await opening.open_database(settings)
    with pytest.raises(ProgrammingError, match="a bug of ours"):
        await opening.open_database(settings)


async def test_only_an_aiosqlite_url_opens_with_a_warning_that_says_what_to_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.db"
    warnings: dict[str, list[str]] = {}
    for driver in ("sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            engine = await opening.open_database(DatabaseSettings(url=f"{driver}:///{path}"))
        await engine.dispose()
        warnings[driver] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]

    assert warnings == {
        "sqlite": [],
        "sqlite+pysqlite": [],
        "sqlite+aiosqlite": [
            f"[database] url sqlite+aiosqlite:///{path}: aiosqlite is not used, SQLite runs on "
            f"Python's sqlite3 module; write sqlite:///{path}"
        ],
    }


async def test_a_sqlite_url_naming_a_driver_concernbot_does_not_use_is_refused(
    tmp_path: Path,
) -> None:
    settings = DatabaseSettings(url=f"sqlite+pysqlcipher:///{tmp_path}/bot.db")

    with pytest.raises(ConfigError, match=r"^\[database\] url sqlite\+pysqlcipher:.*'pysqlcipher'"):
        await opening.open_database(settings)
    assert not (tmp_path / "bot.db").exists()


def test_only_the_listening_failures_an_operator_can_fix_are_translated() -> None:
    in_use = OSError(errno.EADDRINUSE, "address already in use")
    full = OSError(errno.EMFILE, "too many open files")

    translated = cannot_listen("127.0.0.1", 8080, in_use)

    assert isinstance(translated, PortUnavailable)
    assert str(translated).startswith("[http] host 127.0.0.1 port 8080: the port is in use")
    assert cannot_listen("127.0.0.1", 8080, full) is None


def test_systemd_does_not_restart_a_bot_that_only_the_operator_can_fix() -> None:
    lines = UNIT.read_text(encoding="utf-8").splitlines()
    [prevent] = [line for line in lines if line.startswith("RestartPreventExitStatus=")]

    assert "Restart=on-failure" in lines
    assert set(prevent.partition("=")[2].split()) == {
        str(CONFIG_INVALID),
        str(CREDENTIALS_REJECTED),
    }
