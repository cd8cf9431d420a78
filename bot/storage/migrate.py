"""Apply Alembic migrations to the database on start; a database already at the head is left
alone without loading Alembic at all (most starts: it saves about a tenth of a second)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).parent / "migrations"
VERSIONS = _MIGRATIONS / "versions"
VERSION_TABLE = "alembic_version"
MIGRATION_LOCK = 0x636F6E6D  # "conm": instances that start together migrate one at a time
_ASSIGNED = re.compile(
    r"^(?P<name>revision|down_revision)\s*(?::[^=\n]*)?=\s*(?P<value>.*?)\s*$", re.MULTILINE
)
_QUOTED = re.compile(r"""^(?:"([^"\\]*)"|'([^'\\]*)')$""")


class UnknownRevision(Exception):
    """The database is stamped with a revision no migration script here knows: a newer version
    of concernbot made it."""


def alembic_config(url: str | None = None) -> Config:
    """Return an Alembic configuration pointing at our migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    return config


def script_heads(versions: Path = VERSIONS) -> frozenset[str] | None:
    """The head revisions of the migration scripts, read from the files without Alembic;
    None when a script is not the plain one-parent kind this reading understands."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        found: dict[str, list[str | None]] = {"revision": [], "down_revision": []}
        for assigned in _ASSIGNED.finditer(path.read_text(encoding="utf-8")):
            value = assigned.group("value")
            quoted = _QUOTED.match(value)
            if quoted is None and value != "None":
                return None  # e.g. a merge revision with a tuple of parents
            found[assigned.group("name")].append(
                None if quoted is None else quoted.group(1) or quoted.group(2)
            )
        if not found["revision"] and not found["down_revision"]:
            continue  # not a migration (the package's __init__)
        if len(found["revision"]) != 1 or len(found["down_revision"]) != 1:
            return None
        revision, parent = found["revision"][0], found["down_revision"][0]
        if revision is None or revision in revisions:
            return None
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    if not revisions or not parents <= revisions:
        return None
    return frozenset(revisions - parents)


def _stamped(connection: Connection) -> frozenset[str] | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return frozenset(str(row[0]) for row in rows)


async def at_head(engine: AsyncEngine) -> bool:
    """True when the database is stamped with exactly the scripts' head revision(s)."""
    heads = script_heads()
    if heads is None:
        return False
    async with engine.connect() as connection:
        stamped = await connection.run_sync(_stamped)
    return stamped == heads


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command
    from alembic.util import CommandError

    config = alembic_config()
    config.attributes["connection"] = connection
    try:
        command.upgrade(config, revision)
    except CommandError as error:
        if "Can't locate revision" not in str(error):
            raise
        raise UnknownRevision(", ".join(sorted(_stamped(connection) or ()))) from None


def _downgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest). Instances starting together
    on one database take turns: the one that waited finds the schema done and changes nothing
    (on PostgreSQL without the lock both built the tables and hung or failed on start; on
    SQLite every transaction begins IMMEDIATE, which takes the same turns)."""
    if revision == "head" and await at_head(engine):
        return
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held to the end of this transaction, so the schema is committed when it goes.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await connection.run_sync(_upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to ``revision``."""
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade, revision)
