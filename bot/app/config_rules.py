"""Checks of settings that name places on the network: the HTTP port, API and webhook URLs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.app.startup_errors import ConfigError, refusal

if TYPE_CHECKING:
    from bot.app.config import Settings, TelegramSettings

WEBHOOK_PORTS = (443, 80, 88, 8443)
"""The only ports Telegram delivers webhook updates to (Bot API, setWebhook)."""
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def check_endpoints(settings: Settings) -> None:
    """Refuse an HTTP port no socket can have and API URLs that are not http(s)."""
    port = settings.http.port
    if not 0 <= port <= 65535:
        raise ConfigError(
            refusal(
                f"[http] port {port}",
                "not a TCP port",
                "use a port from 1 to 65535 (0 lets the system pick a free one)",
            )
        )
    _check_api_url("[telegram] api_base_url", settings.telegram.api_base_url, "Bot API server")
    _check_api_url("[slack] api_base_url", settings.slack.api_base_url, "Slack Web API")


def _check_api_url(setting: str, url: str, what: str) -> None:
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        usable = False
    if not usable:
        raise ConfigError(
            refusal(f"{setting} {url!r}", "not an http(s) URL", f"give the URL of the {what}")
        )


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
