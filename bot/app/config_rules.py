"""Checks of settings that name places on the network: the HTTP port and API URLs."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.startup_errors import ConfigError, refusal

if TYPE_CHECKING:
    from bot.settings import DeadlineSettings, Settings


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


def check_deadlines(deadlines: DeadlineSettings, where: str) -> None:
    """Every deadline at least 1, and a more urgent concern never due later than a less urgent."""
    for field in dataclasses.fields(deadlines):
        if getattr(deadlines, field.name) < 1:
            raise ConfigError(
                refusal(f"{where} {field.name}", "must be at least 1", "give a whole number >= 1")
            )
    days = (
        deadlines.soon_working_days,
        deadlines.week_working_days,
        deadlines.no_rush_working_days,
    )
    if list(days) != sorted(days):
        raise ConfigError(
            refusal(
                f"{where} soon_working_days, week_working_days, no_rush_working_days "
                f"{days[0]}, {days[1]}, {days[2]}",
                "a more urgent concern would be due later than a less urgent one",
                "give soon <= week <= no_rush",
            )
        )
