"""The Matrix channel's secrets (access token, password, recovery key, the crypto store's
pickle key): never in a log line, in the bot's database or in Synapse beyond what it must
hold; the files that hold them 0600; a pickle key from the environment wins over the file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from adapters.matrix.store import Stores
from bot.app import logs
from bot.startup_errors import ConfigError
from bot.testing import using_postgres
from tests.matrix.bot_keys import (
    extra_environment,
    files_holding,
    logged_lines,
    recovery_key,
    spellings,
)
from tests.matrix.homeserver import Homeserver
from tests.matrix.matrix_world import MatrixWorld

PICKLE_KEY = "pickle-from-env-5d2e91c7a4"
log = logging.getLogger(__name__)


@pytest.fixture
def extra_env() -> dict[str, str]:
    """What a test adds to the bot's environment (parametrized, or changed before a start)."""
    return {}


@pytest.fixture(autouse=True)
def _bot_environment(monkeypatch: pytest.MonkeyPatch, extra_env: dict[str, str]) -> None:
    extra_environment(monkeypatch, extra_env)


def matrix_files(directory: Path) -> Path:
    """The bot's Matrix directory (credentials, pickle key, crypto store)."""
    return directory / "matrix"


def access_token(directory: Path) -> str:
    """The bot's access token, from its credentials file."""
    data = json.loads((matrix_files(directory) / "credentials.json").read_text())
    return str(data["access_token"])


def database_files(directory: Path) -> list[Path]:
    """The bot's own database (bot.db with its journal files)."""
    return sorted(directory.glob("bot.db*"))


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return path.stat().st_mode & 0o777


async def test_no_secret_in_a_log_line_the_bots_files_or_synapse(
    capsys: pytest.CaptureFixture[str],
    debug_log: pytest.LogCaptureFixture,
    world: MatrixWorld,
    homeserver: Homeserver,
    tmp_path: Path,
) -> None:
    reporter = await world.user("reporter")
    await world.enrol(reporter)  # /start CODE and the welcome: a round trip, encrypted
    await world.stop()
    files = matrix_files(tmp_path)
    token, password = access_token(tmp_path), world.bot.password
    recovery = recovery_key(capsys.readouterr().err)
    pickle = (files / "pickle.key").read_text().strip()
    secrets = {"token": token, "password": password, "recovery": recovery, "pickle": pickle}

    lines = logged_lines(debug_log)
    assert any("req #" in line for line in lines), "mautrix's DEBUG lines were captured"
    for name, secret in secrets.items():
        for spelling in spellings(secret):
            assert not [line for line in lines if spelling in line], name

    # On the bot's side only the files made to hold them do (the crypto store none).
    holding = {name: files_holding(tmp_path, secret) for name, secret in secrets.items()}
    assert holding == {
        "token": [files / "credentials.json"],
        "password": [],
        "recovery": [],
        "pickle": [files / "pickle.key"],
    }
    # On PostgreSQL the bot's database is not a file here (the crypto store still is).
    assert using_postgres() or database_files(tmp_path), "the bot's database was searched"
    assert mode(files / "credentials.json") == 0o600
    assert mode(files / "pickle.key") == 0o600

    # Synapse holds the access token (it must, to know it), in its database only; the
    # password (hashed there), the recovery key and the pickle key never reach it.
    logs_of_synapse = [homeserver.directory / n for n in ("homeserver.log", "stdout.log")]
    assert all(token.encode() not in p.read_bytes() for p in logs_of_synapse if p.exists())
    assert homeserver.occurrences(token) >= 1, "the search sees what Synapse holds"
    for name in ("password", "recovery", "pickle"):
        assert all(homeserver.occurrences(s) == 0 for s in spellings(secrets[name])), name

    # The recovery key this process made is redacted too, as printed and run together.
    for spelling in spellings(recovery):
        log.warning("careless line: %s.", spelling)
        assert debug_log.records[-1].getMessage() == "careless line: [redacted]."


async def test_every_matrix_secret_is_redacted_even_when_only_the_environment_has_it(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    world: MatrixWorld,
    extra_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    recovery = recovery_key(capsys.readouterr().err)
    await world.stop()
    # A new process: nothing registered yet; the password and the recovery key are in the
    # environment, unused (the device is kept), and must be redacted all the same.
    monkeypatch.setattr(logs, "_SECRETS", set())
    extra_env["MATRIX_RECOVERY_KEY"] = recovery
    await world.start()
    token = access_token(tmp_path)
    pickle = (matrix_files(tmp_path) / "pickle.key").read_text().strip()

    for secret in (token, world.bot.password, pickle, *spellings(recovery)):
        log.warning("careless line: %s.", secret)
        assert caplog.records[-1].getMessage() == "careless line: [redacted]."
    log.warning("careless line: %s.", "not-a-secret-1234")
    assert caplog.records[-1].getMessage() == "careless line: not-a-secret-1234."


@pytest.mark.parametrize("extra_env", [{"MATRIX_PICKLE_KEY": PICKLE_KEY}])
async def test_a_pickle_key_from_the_environment_is_used_and_no_key_file_written(
    world: MatrixWorld, extra_env: dict[str, str], tmp_path: Path
) -> None:
    files = matrix_files(tmp_path)
    assert not (files / "pickle.key").exists()
    assert world.adapter.session.stores.crypto.pickle_key == PICKLE_KEY
    device = world.adapter.session.device_id

    # The olm account was pickled with that key: with it the same device comes back.
    await world.stop()
    await world.start()
    assert world.adapter.session.device_id == device
    assert not (files / "pickle.key").exists()
    await world.stop()
    assert files_holding(tmp_path, PICKLE_KEY) == []

    # With another key the store cannot be read: refused, clearly, without either key.
    extra_env["MATRIX_PICKLE_KEY"] = "another-pickle-key-0b9f"
    with pytest.raises(ConfigError, match="MATRIX_PICKLE_KEY") as refused:
        await world.start()
    assert PICKLE_KEY not in str(refused.value)
    assert "another-pickle-key-0b9f" not in str(refused.value)


def test_the_password_in_a_postgresql_store_url_is_redacted(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    Stores("postgresql://concernbot:store-pw-81c3e@127.0.0.1:1/bot", "@bot:localhost", "k" * 8)
    log.warning("careless line: %s.", "postgresql://concernbot:store-pw-81c3e@127.0.0.1:1/bot")
    assert caplog.records[-1].getMessage() == (
        "careless line: postgresql://concernbot:[redacted]@127.0.0.1:1/bot."
    )
