"""The adapter's storage: mautrix's crypto and state stores on ONE database, the secrets
files (0600) and a small table of its own (each member's room and numbered menus)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import mautrix.util.async_db.aiosqlite  # noqa: F401  (registers the sqlite scheme)
from mautrix.crypto.store.asyncpg import PgCryptoStateStore, PgCryptoStore
from mautrix.util.async_db import Database
from yarl import URL

from bot.app.logs import add_secret

KV_TABLE = """CREATE TABLE IF NOT EXISTS concernbot_matrix (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
)"""


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), atomically (its folder,
    when made, 0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)


def pickle_key(env_value: str, file: Path) -> str:
    """The crypto store's own key: from the env, else the key file (made when missing)."""
    key = env_value
    if not key:
        if file.exists():
            key = file.read_text(encoding="utf-8").strip()
        else:
            key = secrets.token_urlsafe(32)
            write_private(file, key + "\n")
    add_secret(key)
    return key


@dataclass(frozen=True)
class Credentials:
    """The access token and device id of the bot's one device."""

    access_token: str
    device_id: str


def load_credentials(file: Path) -> Credentials | None:
    """The saved credentials (None before the first login)."""
    if not file.exists():
        return None
    data = json.loads(file.read_text(encoding="utf-8"))
    add_secret(data["access_token"])
    return Credentials(str(data["access_token"]), str(data["device_id"]))


def save_credentials(file: Path, credentials: Credentials) -> None:
    """Keep the credentials of the first login (0600)."""
    add_secret(credentials.access_token)
    text = json.dumps(
        {"access_token": credentials.access_token, "device_id": credentials.device_id}
    )
    write_private(file, text + "\n")


def store_url(url: str) -> str:
    """The crypto store's URL as mautrix reads it. ``sqlite:///var/x.db`` is relative to the
    working directory, as in the bot's own ``[database] url`` (SQLAlchemy's rule), and
    ``sqlite:////srv/x.db`` absolute; mautrix would read the first as ``/var/x.db``. The
    file's folder is made, readable by its owner only."""
    if url.startswith("postgres://"):
        return "postgresql://" + url.removeprefix("postgres://")
    if not url.startswith("sqlite:"):
        return url
    path = Path(url.removeprefix("sqlite:").removeprefix("///")).absolute()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return str(URL.build(scheme="sqlite", path=str(path)))


class Stores:
    """The crypto store, the state store and the adapter's table, on one database."""

    def __init__(self, url: str, account_id: str, key: str) -> None:
        url = store_url(url)
        password = URL(url).password
        if password:
            add_secret(password)
        self.crypto_db = Database.create(url, upgrade_table=PgCryptoStore.upgrade_table)
        # mautrix's connection ContextVar is module-global: a second pool would run the state
        # store's queries on the crypto connection inside a crypto transaction.
        self.state_db = Database.create(url, upgrade_table=PgCryptoStateStore.upgrade_table)
        self.crypto = PgCryptoStore(account_id=account_id, pickle_key=key, db=self.crypto_db)
        self.state = PgCryptoStateStore(self.state_db)

    async def open(self) -> None:
        """Open the database, migrate both stores and the adapter's table."""
        await self.crypto_db.start()
        # After the start: on PostgreSQL the pool shared is the one the start made.
        self.state_db.override_pool(self.crypto_db)
        await self.state_db.start()
        await self.crypto.open()
        await self.crypto_db.execute(KV_TABLE)

    async def close(self) -> None:
        """Close the database."""
        await self.crypto.close()
        await self.state_db.stop()
        await self.crypto_db.stop()

    async def get(self, name: str) -> str | None:
        """A value of the adapter's table."""
        value = await self.crypto_db.fetchval(
            "SELECT value FROM concernbot_matrix WHERE name=$1", name
        )
        return None if value is None else str(value)

    async def put(self, name: str, value: str) -> None:
        """Set a value of the adapter's table."""
        await self.crypto_db.execute(
            "INSERT INTO concernbot_matrix (name, value) VALUES ($1, $2) "
            "ON CONFLICT (name) DO UPDATE SET value=excluded.value",
            name,
            value,
        )

    async def delete(self, name: str) -> None:
        """Forget a value of the adapter's table."""
        await self.crypto_db.execute("DELETE FROM concernbot_matrix WHERE name=$1", name)
