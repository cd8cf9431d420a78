"""The channels' own settings in tests: read by the real registry, typed for each channel."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from adapters.matrix.settings import MatrixSettings
from adapters.registry import REGISTRY
from adapters.slack.settings import SlackSettings
from adapters.telegram.settings import TelegramSettings
from bot.app.config import Settings, load_settings


def load(path: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """``load_settings`` with the real channel registry reading the channel tables."""
    return load_settings(path, environ, REGISTRY)


def settled(settings: Settings, environ: Mapping[str, str] | None = None) -> Settings:
    """``settings`` with every channel table read (as the composition root reads them)."""
    return REGISTRY.settle(settings, environ or {})


def telegram_of(settings: Settings) -> TelegramSettings:
    """The ``[telegram]`` settings."""
    found = settled(settings).channels["telegram"]
    assert isinstance(found, TelegramSettings)
    return found


def slack_of(settings: Settings) -> SlackSettings:
    """The ``[slack]`` settings."""
    found = settled(settings).channels["slack"]
    assert isinstance(found, SlackSettings)
    return found


def with_channels(
    settings: Settings,
    telegram: TelegramSettings | None = None,
    slack: SlackSettings | None = None,
    matrix: MatrixSettings | None = None,
) -> Settings:
    """``settings`` (read) with these channel settings in place of the file's."""
    result = settled(settings)
    if telegram is not None:
        result = result.with_channel("telegram", telegram)
    if slack is not None:
        result = result.with_channel("slack", slack)
    if matrix is not None:
        result = result.with_channel("matrix", matrix)
    return result
