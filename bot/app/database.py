"""Opening the database at start: a URL that names no usable driver is a setting to fix; a
server that does not answer, a file that cannot be made or is no database, and a schema newer
than this version are storage problems. Either says so in one line, the password masked."""

from __future__ import annotations

import errno
import logging
import sqlite3

from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import DatabaseSettings
from bot.startup_errors import ConfigError, StorageUnusable, masked_url, refusal
from bot.storage.engine import UnusedSQLiteDriver, create_engine, sqlite_url_warning
from bot.storage.migrate import UnknownRevision, upgrade
from bot.storage.postgres import DEFAULT_LANES

DRIVERS = "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/NAME"

log = logging.getLogger(__name__)


async def open_database(settings: DatabaseSettings, lanes: int = DEFAULT_LANES) -> AsyncEngine:
    """An engine on the configured database, its schema brought up to date; ``lanes`` units of
    work run side by side for the channels (PostgreSQL's pool is sized to them)."""
    where = f"[database] url {masked_url(settings.url)}"
    try:
        engine = create_engine(settings.url, settings.echo, settings.connect_timeout_seconds, lanes)
    except (NoSuchModuleError, ImportError) as error:
        # An unknown dialect or driver name is a NoSuchModuleError; a known driver whose
        # module is missing (asyncpg, psycopg2, MySQLdb) an ImportError.
        name = (None if isinstance(error, NoSuchModuleError) else error.name) or _driver(
            settings.url
        )
        raise ConfigError(
            refusal(where, f"no driver {name!r} is installed", f"use {DRIVERS}")
        ) from None
    except ArgumentError:
        raise ConfigError(refusal(where, "not a database URL", f"give {DRIVERS}")) from None
    except UnusedSQLiteDriver as error:
        problem = f"SQLite runs on Python's sqlite3 module, not on the driver {str(error)!r}"
        raise ConfigError(refusal(where, problem, f"use {DRIVERS}")) from None
    except OSError as error:
        # The SQLite file's directory cannot be made (a file is in the way, no permission).
        raise StorageUnusable(
            where,
            f"cannot create the directory of the database file ({_reason(error)})",
            "make the directory writable for this user, or choose another path",
        ) from None
    if warning := sqlite_url_warning(settings.url):
        log.warning("%s: %s", where, warning)
    try:
        await upgrade(engine)
    except DBAPIError as error:
        await engine.dispose()
        if not _unusable(error):
            raise
        raise StorageUnusable(where, _summary(error, settings.url), _remedy(engine)) from None
    except UnknownRevision as error:
        await engine.dispose()
        raise StorageUnusable(
            where,
            f"its schema (revision {error}) is newer than this version of concernbot",
            "run the version that made it, or restore a backup taken before the upgrade",
        ) from None
    except BaseException:
        await engine.dispose()
        raise
    return engine


def _unusable(error: DBAPIError) -> bool:
    """True for a database that cannot be reached or is not a database; a ProgrammingError or
    IntegrityError while migrating is a bug of ours, and must end in a traceback."""
    return isinstance(error, OperationalError | InterfaceError) or type(error) is DatabaseError


def _summary(error: DBAPIError, url: str) -> str:
    original = error.orig
    if isinstance(original, sqlite3.DatabaseError):
        text = str(original)
        if text == "unable to open database file":
            return "the file cannot be opened or created (a directory, or not writable)"
        return f"SQLite says: {text}"
    first = str(original).strip().splitlines()[0] if str(original).strip() else type(original)
    text = str(first).removeprefix("connection failed: ")
    password = _password(url)
    return f"cannot connect: {text.replace(password, '***') if password else text}"


def _remedy(engine: AsyncEngine) -> str:
    if engine.dialect.name == "sqlite":
        return "give a path where this user can create and write a SQLite file"
    return "start the database server, or correct the host, port, user and password"


def _password(url: str) -> str:
    return str(make_url(url).password or "")


def _driver(url: str) -> str:
    return str(make_url(url).drivername)


def _reason(error: OSError) -> str:
    if error.errno in (errno.EEXIST, errno.ENOTDIR):
        return f"{error.filename} is a file"
    return error.strerror or type(error).__name__
