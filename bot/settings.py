"""The core's settings types: one frozen dataclass per section of the configuration file."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.deadlines import DeadlineSettings as DeadlineSettings
from bot.domain.model import Network
from bot.domain.network import Municipality
from bot.startup_errors import ConfigError


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
    group_commit: bool = True
    """SQLite: commits that are ready together share one sync of the log (each still durable
    before its replies go out); false: every commit syncs on its own (synchronous=FULL)."""


@dataclass(frozen=True)
class CryptoSettings:
    """Where the column-encryption keys come from: an environment variable, else a key file."""

    keys_env: str = "CONCERNBOT_ENCRYPTION_KEYS"
    key_file: str = "var/keys.txt"


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
class HttpSettings:
    """The bot's own HTTP server: health, metrics and webhooks."""

    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class SecuritySettings:
    """Step-up authentication: how long a right code from an authenticator app holds."""

    step_up_idle_minutes: int = 15
    """Minutes after the last right code before opening details asks for a code again
    (only on channels without a strong login of their own, such as Telegram)."""


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
    http: HttpSettings = field(default_factory=HttpSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    networks: tuple[Network, ...] = ()
    network_deadlines: Mapping[str, DeadlineSettings] = field(default_factory=dict)
    """A network's own ``[networks.deadlines]`` over ``[deadlines]``, by network id."""
    municipalities: tuple[Municipality, ...] = ()
    """The municipalities and the networks each directs (``[[municipalities]]``)."""
    channels: Mapping[str, Any] = field(default_factory=dict)
    """Each channel's own settings by channel name: its settings type's value once a channel
    registry has read it, its raw table until then (see ``bot.app.catalog``)."""

    def network(self, network_id: str) -> Network:
        """Return the configured network with this id."""
        for network in self.networks:
            if network.id == network_id:
                return network
        raise ConfigError(f"no network with id {network_id!r} in the configuration")

    def municipality_of(self, network_id: str) -> Municipality | None:
        """The municipality that directs the network, if one is configured."""
        return next((m for m in self.municipalities if network_id in m.networks), None)

    def deadlines_of(self, network_id: str) -> DeadlineSettings:
        """The deadlines that apply in a network: its own, else the bot's."""
        return self.network_deadlines.get(network_id, self.deadlines)

    def with_channel(self, name: str, channel_settings: Any) -> Settings:
        """These settings with ``channel_settings`` for the channel ``name``."""
        return dataclasses.replace(self, channels={**self.channels, name: channel_settings})


CORE_SECTIONS: dict[str, type[Any]] = {
    "bot": BotSettings,
    "database": DatabaseSettings,
    "crypto": CryptoSettings,
    "deadlines": DeadlineSettings,
    "outbox": OutboxSettings,
    "console": ConsoleSettings,
    "scheduler": SchedulerSettings,
    "limits": LimitSettings,
    "http": HttpSettings,
    "security": SecuritySettings,
}
"""The sections the core reads itself; every other table belongs to a channel."""
