"""The bot's keys as the homeserver hands them out (``/keys/query``, raw HTTP), signature
checks independent of mautrix (python-olm over canonical JSON), and the bot's environment."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from olm.utility import OlmVerifyError, ed25519_verify

from adapters.matrix.channel import MatrixAdapter
from adapters.matrix.settings import MatrixSettings

RECOVERY_LINE = re.compile(r"Recovery key \(shown ONCE.*?\n(?P<key>[^\n]+)\n", re.S)


async def keys_query(url: str, token: str, user_id: str) -> dict[str, Any]:
    """``POST /_matrix/client/v3/keys/query`` for ``user_id``, as the holder of ``token``."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{url}/_matrix/client/v3/keys/query",
            json={"device_keys": {user_id: []}},
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
    return body


def only_key(signed: Mapping[str, Any]) -> str:
    """The one ed25519 public key of a cross-signing key object."""
    keys = [value for name, value in signed["keys"].items() if name.startswith("ed25519:")]
    assert len(keys) == 1, signed
    return str(keys[0])


def signed_by(signed: Mapping[str, Any], user_id: str, key_name: str, public: str) -> bool:
    """True if ``signed`` carries a valid signature of ``user_id``'s ed25519 ``key_name``
    (a device id, or a public key for a cross-signing key) made by ``public``."""
    signature = signed.get("signatures", {}).get(user_id, {}).get(f"ed25519:{key_name}")
    if signature is None:
        return False
    payload = {k: v for k, v in signed.items() if k not in ("signatures", "unsigned")}
    canonical = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    try:
        ed25519_verify(public, canonical, signature)
    except OlmVerifyError:
        return False
    return True


def recovery_key(stderr: str) -> str:
    """The recovery key the first start printed (the line after the note)."""
    found = RECOVERY_LINE.search(stderr)
    assert found is not None, "no recovery key on stderr"
    return found.group("key").strip()


def spellings(secret: str) -> list[str]:
    """``secret`` as given and without its spaces (a recovery key is shown in groups)."""
    return sorted({secret, secret.replace(" ", "")})


def files_holding(directory: Path, secret: str) -> list[Path]:
    """Every file under ``directory`` whose raw bytes contain ``secret`` (either spelling)."""
    needles = [s.encode() for s in spellings(secret)]
    return [
        path
        for path in sorted(directory.rglob("*"))
        if path.is_file() and any(n in path.read_bytes() for n in needles)
    ]


def logged_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every log line of the set-up (the bot's first start) and of the test so far, with its
    exception text."""
    records = [*caplog.get_records("setup"), *caplog.records]
    formatter = logging.Formatter()
    return [formatter.format(record) for record in records]


def extra_environment(monkeypatch: pytest.MonkeyPatch, extra: dict[str, str]) -> None:
    """Give each bot built from now on ``extra`` in its environment (read at each build, so
    a test can change it between a stop and a start)."""
    original = MatrixAdapter.__init__

    def build(
        self: MatrixAdapter, settings: MatrixSettings, environ: Mapping[str, str], *a: Any
    ) -> None:
        original(self, settings, {**environ, **extra}, *a)

    monkeypatch.setattr(MatrixAdapter, "__init__", build)
