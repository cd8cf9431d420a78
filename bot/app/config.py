"""Settings: a TOML file, then environment overrides ``CONCERNBOT_<SECTION>_<KEY>``."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.app.config_rules import check_endpoints, check_webhook
from bot.app.startup_errors import ConfigError as ConfigError
from bot.domain.model import Network, Organisation, RoleContact


@dataclass(frozen=True)
class BotSettings:
    """General behaviour."""

    name: str = "concernbot"
    default_language: str = "nl"
    timezone: str = "Europe/Amsterdam"
    public_contact: str = "your organisation's contact person for polarisation and radicalisation"


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the data lives."""

    url: str = "sqlite:///var/concernbot.db"
    echo: bool = False
    connect_timeout_seconds: int = 10
    """How long a new PostgreSQL connection may take before it fails."""


@dataclass(frozen=True)
class CryptoSettings:
    """Where the column-encryption keys come from: an environment variable, else a key file."""

    keys_env: str = "CONCERNBOT_ENCRYPTION_KEYS"
    key_file: str = "var/keys.txt"


@dataclass(frozen=True)
class DeadlineSettings:
    """How soon a concern must be acknowledged and the reporter hear back."""

    acknowledge_working_days: int = 2
    acute_acknowledge_minutes: int = 15
    feedback_days: int = 14


@dataclass(frozen=True)
class OutboxSettings:
    """Delivery behaviour of the outbox worker."""

    max_attempts: int = 8
    base_backoff_seconds: float = 1.0
    max_backoff_seconds: float = 300.0
    poll_seconds: float = 0.5
    max_in_flight: int = 50
    outage_report_seconds: float = 60.0


@dataclass(frozen=True)
class ConsoleSettings:
    """Where a member who starts the terminal chat is enrolled, and the try-out's deadlines."""

    network: str = "demo"
    organisation: str = ""
    tryout: bool = False
    tryout_acute_minutes: int = 2
    tryout_reminder_seconds: int = 60


@dataclass(frozen=True)
class LimitSettings:
    """Abuse limits per sender: a burst, then a steady rate."""

    messages_burst: int = 40
    messages_per_minute: int = 30


@dataclass(frozen=True)
class SchedulerSettings:
    """When the scheduled jobs run (crontab lines in the bot's time zone) and draft limits."""

    enabled: bool = True
    digest_cron: str = "0 8 * * mon"
    reminders_minutes: int = 5
    drafts_minutes: int = 5
    retention_cron: str = "30 3 * * *"
    draft_reminder_hours: int = 1
    draft_expiry_hours: int = 24
    details_removal_hours: int = 24
    details_minutes: int = 10
    misfire_grace_minutes: int = 60
    leader_check_seconds: int = 15


@dataclass(frozen=True)
class TelegramSettings:
    """The Telegram channel; active when the token variable is set."""

    token_env: str = "TELEGRAM_BOT_TOKEN"
    mode: str = "polling"
    webhook_url: str = ""
    webhook_secret_env: str = "TELEGRAM_WEBHOOK_SECRET"
    api_base_url: str = "https://api.telegram.org"
    username: str = ""
    overall_per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: float = 3.0
    concurrent_updates: int = 8
    connections: int = 16
    start_retry_seconds: float = 300.0
    """How long, in all, start-up waits out Telegram's 429s before it gives up."""


@dataclass(frozen=True)
class SlackSettings:
    """The Slack channel for coordinators; active when the bot token variable is set."""

    token_env: str = "SLACK_BOT_TOKEN"
    signing_secret_env: str = "SLACK_SIGNING_SECRET"
    app_token_env: str = "SLACK_APP_TOKEN"
    socket_mode: bool = False
    api_base_url: str = "https://slack.com/api/"
    alert_channels: dict[str, str] = field(default_factory=dict)
    overall_per_second: float = 20.0
    per_channel_per_second: float = 1.0
    per_channel_burst: float = 3.0


@dataclass(frozen=True)
class HttpSettings:
    """The bot's own HTTP server: health, metrics and webhooks."""

    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class Settings:
    """Everything concernbot is configured with."""

    bot: BotSettings = field(default_factory=BotSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    crypto: CryptoSettings = field(default_factory=CryptoSettings)
    deadlines: DeadlineSettings = field(default_factory=DeadlineSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    networks: tuple[Network, ...] = ()

    def network(self, network_id: str) -> Network:
        """Return the configured network with this id."""
        for network in self.networks:
            if network.id == network_id:
                return network
        raise ConfigError(f"no network with id {network_id!r} in the configuration")


_SECTION_TYPES: dict[str, type[Any]] = {
    "bot": BotSettings,
    "database": DatabaseSettings,
    "crypto": CryptoSettings,
    "deadlines": DeadlineSettings,
    "outbox": OutboxSettings,
    "console": ConsoleSettings,
    "scheduler": SchedulerSettings,
    "limits": LimitSettings,
    "telegram": TelegramSettings,
    "slack": SlackSettings,
    "http": HttpSettings,
}
_SECTIONS = tuple(_SECTION_TYPES)


def load_settings(path: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``path`` (when given) and apply environment overrides."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"configuration file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from exc
    unknown = set(raw) - {*_SECTIONS, "networks"}
    if unknown:
        raise ConfigError(f"unknown sections in {path}: {', '.join(sorted(unknown))}")
    sections = {name: _section(name, raw.get(name, {}), env) for name in _SECTIONS}
    networks = tuple(_network(item) for item in raw.get("networks", []))
    settings = Settings(networks=networks, **sections)
    _check(settings, env)
    return settings


def _section(name: str, values: object, env: Mapping[str, str]) -> Any:
    defaults = _SECTION_TYPES[name]()
    if not isinstance(values, dict):
        raise ConfigError(f"[{name}] must be a table")
    known = {f.name: f for f in dataclasses.fields(defaults)}
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"[{name}] has unknown keys: {', '.join(sorted(unknown))}")
    merged: dict[str, Any] = {}
    for key, spec in known.items():
        default = getattr(defaults, key)
        value = values.get(key, default)
        env_name = f"CONCERNBOT_{name}_{key}".upper()
        if isinstance(default, dict):
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"[{name}.{key}] must be a table of strings")
            value = {str(k): v for k, v in value.items()}
        elif env_name in env:
            value = _coerce(env[env_name], type(default), env_name)
        elif isinstance(default, float) and _is_int(value):
            value = float(value)
        elif not isinstance(value, type(default)) or (
            isinstance(value, bool) and not isinstance(default, bool)
        ):
            raise ConfigError(f"[{name}] {key} must be of type {type(default).__name__}")
        merged[spec.name] = value
    return dataclasses.replace(defaults, **merged)


_KIND_WORDS = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}


def _coerce(text: str, kind: type, env_name: str) -> Any:
    try:
        if kind is bool:
            lowered = text.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError as exc:
        raise ConfigError(f"{env_name} must be {_KIND_WORDS[kind]}") from exc
    return text


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _known(table: object, where: str, keys: set[str]) -> Mapping[str, Any]:
    """``table`` as a mapping, refused when it is not a table or has keys not in ``keys``."""
    if not isinstance(table, dict):
        raise ConfigError(f"each {where} entry must be a table")
    unknown = set(table) - keys
    if unknown:
        raise ConfigError(f"a {where} entry has unknown keys: {', '.join(sorted(unknown))}")
    return table


def _whole(item: Mapping[str, Any], key: str, default: int) -> int:
    value = item.get(key, default)
    if not _is_int(value):
        raise ConfigError(f"[[networks]] {key} must be a whole number")
    return int(value)


_NETWORK_KEYS = {"id", "name", "organisations", "roles", "digest_threshold", "retention_days"}


def _network(entry: object) -> Network:
    item = _known(entry, "[[networks]]", _NETWORK_KEYS)
    try:
        organisations = tuple(
            Organisation(
                id=str(org["id"]),
                name=str(org["name"]),
                procedure=str(org.get("procedure", "")).strip(),
                agreements=str(org.get("agreements", "")).strip(),
            )
            for org in (
                _known(o, "[[networks.organisations]]", {"id", "name", "procedure", "agreements"})
                for o in item.get("organisations", [])
            )
        )
        roles = tuple(
            RoleContact(role=str(r["role"]), who=str(r["who"]), contact=str(r.get("contact", "")))
            for r in (
                _known(r, "[[networks.roles]]", {"role", "who", "contact"})
                for r in item.get("roles", [])
            )
        )
        return Network(
            id=str(item["id"]),
            name=str(item["name"]),
            organisations=organisations,
            roles=roles,
            digest_threshold=_whole(item, "digest_threshold", 5),
            retention_days=_whole(item, "retention_days", 365),
        )
    except KeyError as exc:
        raise ConfigError(f"a [[networks]] entry lacks the key {exc.args[0]!r}") from exc


def _check(settings: Settings, env: Mapping[str, str]) -> None:
    ids = [n.id for n in settings.networks]
    if len(ids) != len(set(ids)):
        raise ConfigError("network ids must be unique")
    for network in settings.networks:
        if not network.organisations:
            raise ConfigError(f"network {network.id!r} needs at least one organisation")
        if network.digest_threshold < 1:
            raise ConfigError(f"network {network.id!r}: digest_threshold must be at least 1")
        if network.retention_days < 1:
            raise ConfigError(f"network {network.id!r}: retention_days must be at least 1")
    try:
        ZoneInfo(settings.bot.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"[bot] timezone {settings.bot.timezone!r} is not known") from exc
    _check_crontab(settings.scheduler.digest_cron, "digest_cron")
    _check_crontab(settings.scheduler.retention_cron, "retention_cron")
    for network_id in settings.slack.alert_channels:
        settings.network(network_id)
    if settings.telegram.mode not in ("polling", "webhook"):
        raise ConfigError("[telegram] mode must be 'polling' or 'webhook'")
    if settings.telegram.mode == "webhook":
        check_webhook(settings.telegram, env)
    check_endpoints(settings)
    if not 1 <= settings.scheduler.details_removal_hours < 48:
        # Telegram deletes a bot's message only within 48 hours of sending it.
        raise ConfigError("[scheduler] details_removal_hours must be from 1 to 47")
    if settings.outbox.max_in_flight < 1:
        raise ConfigError("[outbox] max_in_flight must be at least 1")
    if settings.bot.default_language not in ("nl", "en"):
        raise ConfigError("[bot] default_language must be 'nl' or 'en'")


def _check_crontab(line: str, key: str) -> None:
    fields = line.split()
    if len(fields) != 5:
        raise ConfigError(f"[scheduler] {key} must be a crontab line of five fields")
