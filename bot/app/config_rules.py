"""Checks of settings that name places on the network: the HTTP port and API URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.startup_errors import ConfigError, refusal

if TYPE_CHECKING:
    from bot.settings import Settings


def check_endpoints(settings: Settings) -> None:
    """Refuse an HTTP port no socket can have."""
    port = settings.http.port
    if not 0 <= port <= 65535:
        raise ConfigError(
            refusal(
                f"[http] port {port}",
                "not a TCP port",
                "use a port from 1 to 65535 (0 lets the system pick a free one)",
            )
        )


def check_api_url(setting: str, url: str, what: str) -> None:
    """Refuse an API URL that is not http(s); ``setting`` and ``what`` name it."""
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        usable = False
    if not usable:
        raise ConfigError(
            refusal(f"{setting} {url!r}", "not an http(s) URL", f"give the URL of the {what}")
        )
