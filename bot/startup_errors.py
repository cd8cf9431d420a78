"""Why the bot cannot start, by class, each with its own exit status of ``concernbot``.

Each part translates its own low-level failures (a refused connection, a port in use, a token
the platform rejects) into one of these where it starts, and nowhere else: an exception that
is not one of them is a bug, and ends in a traceback as it should.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

CONFIG_INVALID = 2
POLLING_CONFLICT = 3
STORAGE_UNUSABLE = 4
PORT_UNAVAILABLE = 5
PLATFORM_UNREACHABLE = 6
CREDENTIALS_REJECTED = 7
INTERRUPTED = 130

EXIT_STATUSES: tuple[tuple[int, str], ...] = (
    (0, "stopped cleanly (SIGTERM, or the end of the terminal chat)"),
    (CONFIG_INVALID, "the command line, a setting, the configuration file, a secret or the keys"),
    (POLLING_CONFLICT, "another instance is polling the same bot account (a polling channel)"),
    (STORAGE_UNUSABLE, "the database cannot be reached, created or used"),
    (PORT_UNAVAILABLE, "the HTTP server cannot listen on [http] host and port"),
    (PLATFORM_UNREACHABLE, "a chat platform cannot be reached (or keeps refusing) at start"),
    (CREDENTIALS_REJECTED, "a chat platform rejected the bot's token"),
    (INTERRUPTED, "interrupted (Ctrl-C)"),
)
"""Every exit status of ``concernbot`` and what it means, for ``--help`` and the README."""


def refusal(part: str, problem: str, remedy: str) -> str:
    """The one line an operator reads: the setting or part, what is wrong, what to do."""
    return f"{part}: {problem}; {remedy}"


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to fix."""

    status: ClassVar[int] = CONFIG_INVALID


class StartupError(Exception):
    """A part of the bot cannot start; ``status`` is the exit status of its class."""

    status: ClassVar[int] = 1

    def __init__(self, part: str, problem: str, remedy: str) -> None:
        super().__init__(refusal(part, problem, remedy))


class PollingConflictError(StartupError):
    """Another process polls the same bot account (e.g. a Telegram bot)."""

    status = POLLING_CONFLICT


class StorageUnusable(StartupError):
    """The database cannot be reached, created or used."""

    status = STORAGE_UNUSABLE


class PortUnavailable(StartupError):
    """The HTTP server cannot listen where it is configured to."""

    status = PORT_UNAVAILABLE


class PlatformUnreachable(StartupError):
    """A chat platform's API cannot be reached at start, or keeps refusing for now."""

    status = PLATFORM_UNREACHABLE


class CredentialsRejected(StartupError):
    """A chat platform rejected the bot's token."""

    status = CREDENTIALS_REJECTED


def masked_url(url: str) -> str:
    """``url`` with the password (if any) shown as ``***``: safe to print."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<not a URL>"
    if not password:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def epilog() -> str:
    """The exit statuses, as ``concernbot --help`` ends."""
    lines = [f"  {status:>3}  {meaning}" for status, meaning in EXIT_STATUSES]
    return "exit status:\n" + "\n".join(lines)
