"""The ``[telegram]`` table: the Telegram channel's settings type and its checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.app.config_rules import check_api_url
from bot.app.sections import section
from bot.startup_errors import ConfigError

WEBHOOK_PORTS = (443, 80, 88, 8443)
"""The only ports Telegram delivers webhook updates to (Bot API, setWebhook)."""
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


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

    def invite_link(self, code: str) -> str:
        """The t.me link that starts the bot with ``code`` (``/start CODE`` without a name)."""
        return f"https://t.me/{self.username}?start={code}" if self.username else f"/start {code}"


def read_settings(table: Mapping[str, Any], env: Mapping[str, str]) -> TelegramSettings:
    """``[telegram]`` with its environment overrides, checked."""
    settings = section("telegram", TelegramSettings, dict(table), env)
    if settings.mode not in ("polling", "webhook"):
        raise ConfigError("[telegram] mode must be 'polling' or 'webhook'")
    if settings.mode == "webhook":
        check_webhook(settings, env)
    check_api_url("[telegram] api_base_url", settings.api_base_url, "Bot API server")
    return settings


def check_webhook(telegram: TelegramSettings, env: Mapping[str, str]) -> None:
    """Refuse what Telegram's setWebhook would refuse, before anything starts."""
    if not telegram.webhook_url:
        raise ConfigError("[telegram] webhook mode needs webhook_url")
    url = urlsplit(telegram.webhook_url)
    if url.scheme != "https" or not url.hostname:
        raise ConfigError(
            "[telegram] webhook_url must be an https:// URL: Telegram sends only there"
        )
    try:
        port = url.port or 443
    except ValueError:
        raise ConfigError("[telegram] webhook_url has a port that is not a number") from None
    if port not in WEBHOOK_PORTS:
        raise ConfigError(
            f"[telegram] webhook_url must use port 443, 80, 88 or 8443 (Telegram delivers to "
            f"no other), not {port}"
        )
    secret = env.get(telegram.webhook_secret_env, "")
    if secret and not _SECRET_TOKEN.fullmatch(secret):
        # The secret itself is never quoted.
        raise ConfigError(
            f"${telegram.webhook_secret_env} (named by [telegram] webhook_secret_env) must be "
            f"1 to 256 characters of A-Z, a-z, 0-9, _ and -, as Telegram requires of a "
            f"webhook secret_token"
        )
