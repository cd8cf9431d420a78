"""The ``[matrix]`` table: the Matrix channel's settings type and its checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.app.config_rules import check_api_url
from bot.app.sections import section
from bot.startup_errors import ConfigError


@dataclass(frozen=True)
class MatrixSettings:
    """The Matrix channel; active when a homeserver, a user id and a password or token are set."""

    homeserver: str = ""
    user_id: str = ""
    device_name: str = "concernbot"
    password_env: str = "MATRIX_PASSWORD"
    """The password, used for the first login only (the token is kept afterwards)."""
    access_token_env: str = "MATRIX_ACCESS_TOKEN"
    device_id: str = ""
    """The device id of the token in ``access_token_env`` (with a token from the environment)."""
    credentials_file: str = "var/matrix/credentials.json"
    store: str = "sqlite:///var/matrix/crypto.db"
    """The crypto store: a mautrix Database URL (sqlite:///… or postgresql://…)."""
    pickle_key_env: str = "MATRIX_PICKLE_KEY"
    pickle_key_file: str = "var/matrix/pickle.key"
    recovery_key_env: str = "MATRIX_RECOVERY_KEY"
    require_verified_devices: bool = False
    verified_devices: list[str] = field(default_factory=list)
    """``@user:server DEVICEID ED25519KEY`` lines an operator checked by hand."""
    sync_timeout_seconds: float = 30.0
    overall_per_second: float = 10.0
    per_room_per_second: float = 1.0
    per_room_burst: float = 5.0
    concurrent_updates: int = 8
    start_retry_seconds: float = 300.0
    """How long, in all, one request waits out the homeserver's 429s before it gives up."""

    @property
    def localpart(self) -> str:
        """The user id's local part (``bot`` of ``@bot:server``)."""
        return self.user_id[1:].split(":", 1)[0]

    def invite_link(self, code: str) -> str:
        """What an invitee sends the bot in an encrypted direct chat."""
        return f"/start {code}"


def read_settings(table: Mapping[str, Any], env: Mapping[str, str]) -> MatrixSettings:
    """``[matrix]`` with its environment overrides, checked."""
    values = dict(table)
    devices = values.pop("verified_devices", [])
    if not isinstance(devices, list) or not all(isinstance(d, str) for d in devices):
        raise ConfigError("[matrix] verified_devices must be a list of strings")
    for line in devices:
        if len(line.split()) != 3 or not line.startswith("@"):
            raise ConfigError("[matrix] verified_devices: each is '@user:server DEVICEID KEY'")
    settings = section("matrix", MatrixSettings, values, env)
    settings = MatrixSettings(**{**settings.__dict__, "verified_devices": list(devices)})
    if settings.homeserver:
        check_api_url("[matrix] homeserver", settings.homeserver, "Matrix homeserver")
    if settings.user_id and (not settings.user_id.startswith("@") or ":" not in settings.user_id):
        raise ConfigError("[matrix] user_id must be a Matrix user id such as @bot:example.org")
    if not settings.store.startswith(("sqlite:", "postgres://", "postgresql://")):
        raise ConfigError("[matrix] store must be a sqlite:/// or postgresql:// URL")
    if settings.sync_timeout_seconds <= 0 or settings.concurrent_updates < 1:
        raise ConfigError("[matrix] sync_timeout_seconds and concurrent_updates must be positive")
    return settings


def configured(settings: MatrixSettings, env: Mapping[str, str]) -> bool:
    """True when a homeserver and user id are set and a password or token is in the env."""
    secret = env.get(settings.password_env) or env.get(settings.access_token_env)
    return bool(settings.homeserver and settings.user_id and secret)
