"""The echo channel as a plug-in, registered by a test: ``REGISTRY.plus("echo", load)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.channels.events import Address
from bot.channels.protocol import Channel, ChannelContext, Runtime
from bot.settings import Settings
from tests.echo_channel.runtime import EchoRuntime
from tests.echo_channel.settings import NAME, EchoSettings, read_settings


class EchoChannel:
    """A loopback channel with alert rooms per network."""

    name = NAME
    loggers: tuple[str, ...] = ()

    def settings(self, table: Mapping[str, Any], environ: Mapping[str, str]) -> EchoSettings:
        """``[echo]``."""
        return read_settings(table, environ)

    def check(self, channel_settings: Any, settings: Settings) -> None:
        """Every feed names a configured network."""
        for network_id in _own(channel_settings).feeds:
            settings.network(network_id)

    def configured(self, channel_settings: Any, environ: Mapping[str, str]) -> bool:
        """On when its variable is set."""
        return bool(environ.get(_own(channel_settings).token_env))

    async def invite_hints(
        self, channel_settings: Any, environ: Mapping[str, str], code: str
    ) -> list[str]:
        """The line to write."""
        return [f"Echo: write /start {code}"]

    def alert_feeds(self, channel_settings: Any) -> dict[str, Address]:
        """Each network's alert room."""
        return {
            network: Address(NAME, room) for network, room in _own(channel_settings).feeds.items()
        }

    def build(self, context: ChannelContext) -> Runtime:
        """A line server, not yet listening."""
        return EchoRuntime()


def _own(channel_settings: Any) -> EchoSettings:
    assert isinstance(channel_settings, EchoSettings), channel_settings
    return channel_settings


def load() -> Channel:
    """The registry's loader for this channel."""
    return CHANNEL


CHANNEL: Channel = EchoChannel()
