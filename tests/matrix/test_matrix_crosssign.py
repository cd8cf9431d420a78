"""The bot's device and its cross-signing keys, checked on the homeserver's ``/keys/query``:
set up on the first start, the recovery key printed once, and a new device (the old one lost)
signed with the recovery key, or refused without it."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from mautrix.crypto.ssss.util import encode_base58_recovery_key

from bot.startup_errors import ConfigError
from tests.matrix.bot_keys import (
    extra_environment,
    files_holding,
    keys_query,
    logged_lines,
    only_key,
    recovery_key,
    signed_by,
    spellings,
)
from tests.matrix.homeserver import Homeserver
from tests.matrix.matrix_world import MatrixWorld

RECOVERY_ENV = "MATRIX_RECOVERY_KEY"


@pytest.fixture
def extra_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What a test adds to the bot's environment before its next start."""
    extra: dict[str, str] = {}
    extra_environment(monkeypatch, extra)
    return extra


def bot_token(directory: Path) -> str:
    """The bot's access token, from its credentials file."""
    data = json.loads((directory / "matrix" / "credentials.json").read_text())
    return str(data["access_token"])


def cross_keys(answer: dict[str, Any], user: str) -> tuple[str, str, str]:
    """The master, self-signing and user-signing public keys, each checked: the latter two
    signed by the master key."""
    master = answer["master_keys"][user]
    ssk = answer["self_signing_keys"][user]
    usk = answer.get("user_signing_keys", {}).get(user)
    assert master["usage"] == ["master"]
    assert ssk["usage"] == ["self_signing"]
    master_key = only_key(master)
    assert signed_by(ssk, user, master_key, master_key)
    # The user-signing key is private to the owner; /keys/query gives it only to them.
    if usk is not None:
        assert usk["usage"] == ["user_signing"]
        assert signed_by(usk, user, master_key, master_key)
    return master_key, only_key(ssk), "" if usk is None else only_key(usk)


def lose_the_device(directory: Path) -> None:
    """What an operator moving the bot to a new server without its files does."""
    for path in (directory / "matrix").glob("crypto.db*"):
        path.unlink()
    (directory / "matrix" / "credentials.json").unlink()


async def test_the_first_start_cross_signs_the_bots_device(
    world: MatrixWorld, homeserver: Homeserver, tmp_path: Path
) -> None:
    user, device = world.bot.user_id, world.adapter.session.device_id
    own = await keys_query(homeserver.url, bot_token(tmp_path), user)
    master, ssk, usk = cross_keys(own, user)
    assert usk, "the owner sees its user-signing key"

    keys = own["device_keys"][user][device]
    ed25519 = keys["keys"][f"ed25519:{device}"]
    assert ed25519 == world.adapter.session.fingerprint.replace(" ", "")
    assert signed_by(keys, user, ssk, ssk)
    assert signed_by(keys, user, device, ed25519)  # and by itself, as every device
    assert signed_by(own["master_keys"][user], user, device, ed25519)
    # The check can fail: a changed key object no longer verifies.
    assert not signed_by({**keys, "device_id": "FORGED"}, user, ssk, ssk)

    # A reporter is handed the same keys, and their client encrypts to that same device.
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    theirs = await keys_query(homeserver.url, reporter.client.access_token, user)
    assert cross_keys(theirs, user)[:2] == (master, ssk)
    assert signed_by(theirs["device_keys"][user][device], user, ssk, ssk)
    assert reporter.client.device_store[user][device].ed25519 == ed25519


async def test_the_recovery_key_is_printed_once_and_never_logged_or_stored(
    capsys: pytest.CaptureFixture[str],
    debug_log: pytest.LogCaptureFixture,
    world: MatrixWorld,
    homeserver: Homeserver,
    tmp_path: Path,
) -> None:
    key = recovery_key(capsys.readouterr().err)
    assert len(key.replace(" ", "")) >= 48

    await world.stop()
    await world.start()
    assert "Recovery key" not in capsys.readouterr().err
    await world.stop()

    lines = logged_lines(debug_log)
    assert any("req #" in line for line in lines), "mautrix's DEBUG lines were captured"
    assert all(secret not in line for secret in spellings(key) for line in lines)
    assert files_holding(tmp_path, key) == []
    assert all(homeserver.occurrences(secret) == 0 for secret in spellings(key))


async def test_a_new_device_signs_itself_with_the_recovery_key(
    capsys: pytest.CaptureFixture[str],
    extra_env: dict[str, str],
    world: MatrixWorld,
    homeserver: Homeserver,
    tmp_path: Path,
) -> None:
    user, old = world.bot.user_id, world.adapter.session.device_id
    key = recovery_key(capsys.readouterr().err)
    before = cross_keys(await keys_query(homeserver.url, bot_token(tmp_path), user), user)
    await world.stop()
    lose_the_device(tmp_path)

    extra_env[RECOVERY_ENV] = "".join(key.split())  # as an operator may paste it
    await world.start()
    new = world.adapter.session.device_id
    assert new != old
    assert "Recovery key" not in capsys.readouterr().err

    after = await keys_query(homeserver.url, bot_token(tmp_path), user)
    assert cross_keys(after, user) == before
    _, ssk, _ = before
    assert signed_by(after["device_keys"][user][new], user, ssk, ssk)

    # The key is needed once: without it the signed device starts again.
    await world.stop()
    del extra_env[RECOVERY_ENV]
    await world.start()
    assert world.adapter.session.device_id == new

    # It works as the bot: a reporter talks to the new device.
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    assert reporter.client.device_store[user][
        new
    ].ed25519 == world.adapter.session.fingerprint.replace(" ", "")


async def test_a_new_device_without_the_recovery_key_is_refused_and_nothing_is_replaced(
    capsys: pytest.CaptureFixture[str],
    extra_env: dict[str, str],
    world: MatrixWorld,
    homeserver: Homeserver,
    tmp_path: Path,
) -> None:
    user = world.bot.user_id
    key = recovery_key(capsys.readouterr().err)
    before = cross_keys(await keys_query(homeserver.url, bot_token(tmp_path), user), user)
    await world.stop()
    lose_the_device(tmp_path)

    with pytest.raises(ConfigError, match=RECOVERY_ENV) as refused:
        await world.start()
    await world.stop()
    assert "Recovery key" not in capsys.readouterr().err
    token = bot_token(tmp_path)
    answer = await keys_query(homeserver.url, token, user)
    assert cross_keys(answer, user) == before, "no new cross-signing keys"
    refused_device = json.loads((tmp_path / "matrix" / "credentials.json").read_text())
    unsigned = answer["device_keys"][user][refused_device["device_id"]]
    assert not signed_by(unsigned, user, before[1], before[1])

    # A wrong key is refused too, without quoting it.
    wrong = encode_base58_recovery_key(secrets.token_bytes(32))
    extra_env[RECOVERY_ENV] = wrong
    with pytest.raises(ConfigError, match=RECOVERY_ENV) as mistaken:
        await world.start()
    await world.stop()
    assert wrong not in str(mistaken.value)
    assert key not in str(refused.value)

    # With the key, the same (refused) device signs itself: no further device is made.
    extra_env[RECOVERY_ENV] = key
    await world.start()
    assert world.adapter.session.device_id == refused_device["device_id"]
    after = await keys_query(homeserver.url, token, user)
    assert signed_by(
        after["device_keys"][user][world.adapter.session.device_id], user, before[1], before[1]
    )
