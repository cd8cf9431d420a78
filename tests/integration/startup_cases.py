"""The bad starts that tests/integration/test_startup_failures.py runs ``concernbot run`` for:
each with what it changes, the exit status it must end with and the part its line must name."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.startup_errors import (
    CONFIG_INVALID,
    CREDENTIALS_REJECTED,
    PLATFORM_UNREACHABLE,
    POLLING_CONFLICT,
    PORT_UNAVAILABLE,
    STORAGE_UNUSABLE,
)
from tests.fakes.telegram_api import FakeTelegram, ScriptedError

TOKEN = "123456:TEST-TOKEN"
WRONG_TOKEN = "654321:WRONG-TOKEN-9c1e"
SLACK_TOKEN = "xoxb-test-token"
WRONG_SLACK_TOKEN = "xoxb-wrong-token-4b2a"
SIGNING_SECRET = "slack-signing-secret-0a1b2c3d"
WEBHOOK_SECRET = "webhook-secret-5e6f7a8b"
PASSWORD = "pg-password-3f9d"
KEY = base64.urlsafe_b64encode(hashlib.sha256(b"made up").digest()).decode()
SECRETS = (TOKEN, WRONG_TOKEN, SLACK_TOKEN, WRONG_SLACK_TOKEN, SIGNING_SECRET, PASSWORD, KEY)
WEBHOOK = "https://bot.proxy.test/telegram/webhook"
NETWORK = '[[networks]]\nid = "demo"\nname = "Demo"\n'
ORGANISATION = '[[networks.organisations]]\nid = "o"\nname = "Organisation"\n'
CONFLICT = ScriptedError(409, "Conflict: terminated by other getUpdates request")

Script = Callable[[FakeTelegram], None]


@dataclass(frozen=True)
class Case:
    """One way to start wrongly: the environment (``{dir}``, ``{refused}``, ``{taken}`` are
    filled in), an optional configuration file, the exit status and the part it must name."""

    what: str
    status: int
    part: str
    env: dict[str, str] = field(default_factory=dict)
    config: str | None = None
    files: Callable[[Path], None] | None = None
    telegram: Script | None = None


def webhook(**more: str) -> dict[str, str]:
    """Webhook mode with a URL and a secret Telegram takes, and ``more``."""
    return {
        "CONCERNBOT_TELEGRAM_MODE": "webhook",
        "CONCERNBOT_TELEGRAM_WEBHOOK_URL": WEBHOOK,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    } | more


def slack(token: str = SLACK_TOKEN, **more: str) -> dict[str, str]:
    """The Slack channel on, and ``more``."""
    return {"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": SIGNING_SECRET} | more


def newer_schema(directory: Path) -> None:
    """A database stamped by a migration this version does not have."""
    with sqlite3.connect(directory / "newer.db") as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('f0e1d2c3b4a5')")


def fail_next(method: str, error: ScriptedError) -> Script:
    """Script the fake Bot API to answer ``method`` with ``error``."""
    return lambda fake: fake.fail_next(method, error)


def sqlite(path: str) -> dict[str, str]:
    """The database at this SQLite path."""
    return {"CONCERNBOT_DATABASE_URL": f"sqlite:///{path}"}


def write(name: str, content: bytes) -> Callable[[Path], None]:
    """Put a file ``name`` with ``content`` in the case's directory."""

    def put(directory: Path) -> None:
        (directory / name).write_bytes(content)

    return put


def make_directory(name: str) -> Callable[[Path], None]:
    """Put a directory ``name`` in the case's directory."""
    return lambda directory: (directory / name).mkdir()


TELEGRAM_429 = ScriptedError(429, "Too Many Requests: retry after 30", 30)
BAD_WEBHOOK = ScriptedError(400, "Bad Request: bad webhook: Failed to resolve host: Name unknown")
PG = f"postgresql+psycopg://concernbot:{PASSWORD}@127.0.0.1:{{refused}}/concernbot"

CASES = (
    # The configuration file and the settings in it or in the environment.
    Case("configuration file missing", 2, "configuration file", {"CONCERNBOT_CONFIG": "{dir}/x"}),
    Case("configuration file not TOML", 2, "not valid TOML", config="[bot]\nname = bot\n"),
    Case("unknown section", 2, "databse", config='[databse]\nurl = "x"\n' + NETWORK),
    Case("unknown key", 2, "[outbox]", config="[outbox]\nmax_atempts = 3\n" + NETWORK),
    Case("wrong type in the file", 2, "[outbox]", config='[outbox]\nmax_attempts = "8"\n'),
    Case("wrong type in the environment", 2, "CONCERNBOT_OUTBOX_MAX_ATTEMPTS",
         {"CONCERNBOT_OUTBOX_MAX_ATTEMPTS": "eight"}),
    Case("network without organisations", 2, "network 'demo'", config=NETWORK),
    Case("alert channel of an unknown network", 2, "elsewhere",
         config=f'[slack.alert_channels]\nelsewhere = "C1"\n{NETWORK}{ORGANISATION}'),
    Case("unknown time zone", 2, "[bot] timezone", {"CONCERNBOT_BOT_TIMEZONE": "Europe/Amstredam"}),
    Case("unknown language", 2, "default_language", {"CONCERNBOT_BOT_DEFAULT_LANGUAGE": "de"}),
    Case("crontab line of four fields", 2, "digest_cron",
         {"CONCERNBOT_SCHEDULER_DIGEST_CRON": "0 8 * *"}),
    Case("details kept past Telegram's 48 hours", 2, "details_removal_hours",
         {"CONCERNBOT_SCHEDULER_DETAILS_REMOVAL_HOURS": "48"}),
    Case("no message in flight allowed", 2, "max_in_flight",
         {"CONCERNBOT_OUTBOX_MAX_IN_FLIGHT": "0"}),
    Case("deadline of no working days", 2, "soon_working_days",
         {"CONCERNBOT_DEADLINES_SOON_WORKING_DAYS": "0"}),
    Case("a less urgent concern due sooner", 2, "a more urgent concern would be due later",
         {"CONCERNBOT_DEADLINES_WEEK_WORKING_DAYS": "9"}),
    # Telegram's and Slack's settings and secrets.
    Case("unknown Telegram mode", 2, "[telegram] mode", {"CONCERNBOT_TELEGRAM_MODE": "pull"}),
    Case("webhook mode without a URL", 2, "webhook_url", {"CONCERNBOT_TELEGRAM_MODE": "webhook"}),
    Case("webhook URL not https", 2, "webhook_url",
         webhook(CONCERNBOT_TELEGRAM_WEBHOOK_URL="http://bot.example/telegram/webhook")),
    Case("webhook URL on a port Telegram does not serve", 2, "webhook_url",
         webhook(CONCERNBOT_TELEGRAM_WEBHOOK_URL="https://bot.example:8080/telegram/webhook")),
    Case("webhook secret Telegram does not take", 2, "TELEGRAM_WEBHOOK_SECRET",
         webhook(TELEGRAM_WEBHOOK_SECRET="not allowed!")),
    Case("webhook mode without a secret", 2, "TELEGRAM_WEBHOOK_SECRET",
         webhook(TELEGRAM_WEBHOOK_SECRET="")),
    Case("webhook URL Telegram refuses", 2, "[telegram] webhook_url", webhook(),
         telegram=fail_next("setWebhook", BAD_WEBHOOK)),
    Case("Telegram API URL not http(s)", 2, "[telegram] api_base_url",
         {"CONCERNBOT_TELEGRAM_API_BASE_URL": "ftp://api.example"}),
    Case("Slack API URL not http(s)", 2, "[slack] api_base_url",
         {"CONCERNBOT_SLACK_API_BASE_URL": "slack.com/api"}),
    Case("Slack without a signing secret", 2, "SLACK_SIGNING_SECRET",
         {"SLACK_BOT_TOKEN": SLACK_TOKEN}),
    # The bot's own HTTP server.
    Case("HTTP port -5", 2, "[http] port", {"CONCERNBOT_HTTP_PORT": "-5"}),
    Case("HTTP port 70000", 2, "[http] port", {"CONCERNBOT_HTTP_PORT": "70000"}),
    Case("HTTP port in use", 5, "[http] host", {"CONCERNBOT_HTTP_PORT": "{taken}"}),
    Case("HTTP host not of this machine", 5, "[http] host", {"CONCERNBOT_HTTP_HOST": "192.0.2.1"}),
    Case("HTTP host that does not resolve", 5, "[http] host",
         {"CONCERNBOT_HTTP_HOST": "no-such-host.invalid"}),
    # The encryption keys.
    Case("no encryption key", 2, "CONCERNBOT_ENCRYPTION_KEYS",
         {"CONCERNBOT_ENCRYPTION_KEYS": "", "CONCERNBOT_CRYPTO_KEY_FILE": "{dir}/keys.txt"}),
    Case("malformed key", 2, "key 'k1'", {"CONCERNBOT_ENCRYPTION_KEYS": "k1:c2hvcnQ="}),
    Case("key file not text", 2, "[crypto] key_file",
         {"CONCERNBOT_ENCRYPTION_KEYS": "", "CONCERNBOT_CRYPTO_KEY_FILE": "{dir}/keys.txt"},
         files=write("keys.txt", b"\xff\xfe k1:")),
    # The database.
    Case("database URL not a URL", 2, "[database] url", {"CONCERNBOT_DATABASE_URL": "bot.db"}),
    Case("unknown database dialect", 2, "[database] url",
         {"CONCERNBOT_DATABASE_URL": f"nosuch://bot:{PASSWORD}@127.0.0.1/bot"}),
    Case("database driver not installed", 2, "[database] url",
         {"CONCERNBOT_DATABASE_URL": f"postgresql+pg8000://bot:{PASSWORD}@127.0.0.1/bot"}),
    Case("SQLite driver other than sqlite3", 2, "[database] url",
         {"CONCERNBOT_DATABASE_URL": "sqlite+pysqlcipher:///{dir}/bot.db"}),
    Case("PostgreSQL not answering", 4, "[database] url", {"CONCERNBOT_DATABASE_URL": PG}),
    Case("PostgreSQL that accepts and never answers", 4, "[database] url",
         {"CONCERNBOT_DATABASE_URL": PG.replace("{refused}", "{taken}"),
          "CONCERNBOT_DATABASE_CONNECT_TIMEOUT_SECONDS": "1"}),
    Case("SQLite directory is a file", 4, "[database] url", sqlite("{dir}/file/bot.db"),
         files=write("file", b"")),
    Case("SQLite file is a directory", 4, "[database] url", sqlite("{dir}/bot.db"),
         files=make_directory("bot.db")),
    Case("SQLite where no file can be made", 4, "[database] url", sqlite("/proc/concernbot.db")),
    Case("SQLite file not a database", 4, "[database] url", sqlite("{dir}/bot.db"),
         files=write("bot.db", b"not a database, but a file of the same name\n" * 100)),
    Case("database of a newer schema", 4, "[database] url", sqlite("{dir}/newer.db"),
         files=newer_schema),
    # Telegram and Slack themselves.
    Case("Telegram not answering", 6, "[telegram] api_base_url",
         {"CONCERNBOT_TELEGRAM_API_BASE_URL": "http://127.0.0.1:{refused}"}),
    Case("Telegram rejects the token", 7, "$TELEGRAM_BOT_TOKEN",
         {"TELEGRAM_BOT_TOKEN": WRONG_TOKEN}),
    Case("Telegram answers 429 past start_retry_seconds", 6, "start_retry_seconds",
         {"CONCERNBOT_TELEGRAM_START_RETRY_SECONDS": "1"},
         telegram=fail_next("getMe", TELEGRAM_429)),
    Case("another instance polls the bot", 3, "Telegram (polling)",
         telegram=fail_next("getUpdates", CONFLICT)),
    Case("Slack not answering", 6, "[slack] api_base_url",
         slack(CONCERNBOT_SLACK_API_BASE_URL="http://127.0.0.1:{refused}/api/")),
    Case("Slack rejects the token", 7, "$SLACK_BOT_TOKEN", slack(WRONG_SLACK_TOKEN)),
)  # fmt: skip
STATUSES = {
    CONFIG_INVALID,
    POLLING_CONFLICT,
    STORAGE_UNUSABLE,
    PORT_UNAVAILABLE,
    PLATFORM_UNREACHABLE,
    CREDENTIALS_REJECTED,
}
