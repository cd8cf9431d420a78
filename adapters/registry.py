"""Every channel this bot can serve: one entry per channel package, loaded on first use.

Adding a channel is one package under ``adapters/`` with a ``plugin.py`` (its ``Channel``)
and one line here. The entry points (``concernbot``) hand ``REGISTRY`` to the settings loader
and the composition root; the core never names a channel."""

from __future__ import annotations

from bot.app.catalog import Channels
from bot.channels.protocol import Channel


def _telegram() -> Channel:
    from adapters.telegram.plugin import CHANNEL

    return CHANNEL


def _slack() -> Channel:
    from adapters.slack.plugin import CHANNEL

    return CHANNEL


def _matrix() -> Channel:
    from adapters.matrix.plugin import CHANNEL

    return CHANNEL


def _console() -> Channel:
    from adapters.console.plugin import CHANNEL

    return CHANNEL


REGISTRY = Channels(
    {"telegram": _telegram, "slack": _slack, "matrix": _matrix, "console": _console}
)
"""The channels, in the order their invite lines are printed."""
