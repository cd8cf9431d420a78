"""A real Synapse on 127.0.0.1 for the tests, started by ``scripts/test-synapse``.

Users are registered with the homeserver's shared secret (Synapse's admin registration API,
an HMAC of nonce, name, password and role), which takes milliseconds where the
``register_new_matrix_user`` program takes half a second."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "test-synapse"
SERVER_NAME = "localhost"
_names = itertools.count(1)


class HomeserverFailed(RuntimeError):
    """Synapse did not start (the tests that need it fail; they never skip)."""


@dataclass(frozen=True)
class Registered:
    """A user made on the homeserver: their id, password and a first access token."""

    user_id: str
    localpart: str
    password: str
    access_token: str
    device_id: str


class Homeserver:
    """One Synapse process, its data directory and an admin to set per-user limits."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.url = ""
        self._secret = ""
        self._admin_token = ""

    def start(self) -> None:
        """Start Synapse and wait until it answers (``HomeserverFailed`` when it does not)."""
        done = subprocess.run(
            [str(SCRIPT), str(self.directory)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env=os.environ.copy(),
        )
        url = done.stdout.strip()
        if done.returncode != 0 or not url.startswith("http://127.0.0.1:"):
            raise HomeserverFailed(f"scripts/test-synapse failed: {done.stderr.strip()[-2000:]}")
        self.url = url
        self._read_secret()

    @classmethod
    def attach(cls, directory: Path, url: str) -> Homeserver:
        """A Homeserver already running from ``directory`` at ``url`` (not started or stopped)."""
        server = cls(directory)
        server.url = url
        server._read_secret()
        return server

    def _read_secret(self) -> None:
        config = (self.directory / "homeserver.yaml").read_text()
        found = re.search(r"^registration_shared_secret: *'?([^'\n]+)'?$", config, re.M)
        if found is None:
            raise HomeserverFailed("homeserver.yaml holds no registration_shared_secret")
        self._secret = found.group(1)

    def stop(self) -> None:
        """Stop Synapse with SIGTERM (its SQLite write-ahead log is merged back)."""
        subprocess.run([str(SCRIPT), "stop", str(self.directory)], check=False, timeout=60)

    def unique(self, prefix: str) -> str:
        """A localpart no other test of this run uses."""
        return f"{prefix}{next(_names)}"

    async def register(self, localpart: str, password: str, admin: bool = False) -> Registered:
        """Make a user with the shared secret; returns their first login."""
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        async with aiohttp.ClientSession() as session:
            async with session.get(endpoint) as answer:
                nonce = str((await answer.json())["nonce"])
            role = b"admin" if admin else b"notadmin"
            message = b"\x00".join([nonce.encode(), localpart.encode(), password.encode(), role])
            mac = hmac.new(self._secret.encode(), message, hashlib.sha1).hexdigest()
            body = {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac,
            }
            async with session.post(endpoint, json=body) as answer:
                made: dict[str, Any] = await answer.json()
                if answer.status != 200:
                    raise HomeserverFailed(f"register {localpart}: {answer.status} {made}")
        return Registered(
            str(made["user_id"]), localpart, password, made["access_token"], made["device_id"]
        )

    async def admin_token(self) -> str:
        """The access token of this run's homeserver admin (made on first use)."""
        if not self._admin_token:
            made = await self.register(self.unique("admin"), "admin-pw-not-secret", admin=True)
            self._admin_token = made.access_token
        return self._admin_token

    async def limit_messages(self, user_id: str, per_second: float, burst: int) -> None:
        """Override ``user_id``'s message rate limit (0 and 0 lift it, as Synapse defines)."""
        endpoint = f"{self.url}/_synapse/admin/v1/users/{user_id}/override_ratelimit"
        headers = {"Authorization": f"Bearer {await self.admin_token()}"}
        body = {"messages_per_second": per_second, "burst_count": burst}
        async with (
            aiohttp.ClientSession() as session,
            session.post(endpoint, json=body, headers=headers) as answer,
        ):
            if answer.status != 200:
                raise HomeserverFailed(f"override_ratelimit: {answer.status}")

    def raw_files(self) -> list[Path]:
        """Every file the homeserver writes what it stores or logs into (the database with
        its write-ahead log, the logs, the media store)."""
        files = sorted(self.directory.glob("homeserver.db*"))
        files += [self.directory / "homeserver.log", self.directory / "stdout.log"]
        files += sorted(p for p in (self.directory / "media_store").rglob("*") if p.is_file())
        return [path for path in files if path.exists()]

    def occurrences(self, text: str) -> int:
        """How often ``text`` occurs in the raw bytes of ``raw_files`` (UTF-8)."""
        needle = text.encode("utf-8")
        return sum(path.read_bytes().count(needle) for path in self.raw_files())
