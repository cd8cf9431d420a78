"""The Matrix channel as a plug-in: its settings, its invite line and its runtime.

Loaded to read the configuration; mautrix itself is imported only when the channel is built
(a bot without a homeserver never loads it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.matrix.settings import MatrixSettings, configured, read_settings
from bot.channels.events import Address
from bot.channels.protocol import Channel, ChannelContext, Runtime
from bot.settings import Settings


class MatrixChannel:
    """End-to-end encrypted direct chats with reporters and coordinators on a homeserver."""

    name = "matrix"
    loggers = ("mau", "aiosqlite", "asyncpg")  # mautrix logs as mau.*

    def settings(self, table: Mapping[str, Any], environ: Mapping[str, str]) -> MatrixSettings:
        """``[matrix]``, checked."""
        return read_settings(table, environ)

    def check(self, channel_settings: Any, settings: Settings) -> None:
        """Nothing of the core's settings to check."""

    def configured(self, channel_settings: Any, environ: Mapping[str, str]) -> bool:
        """True with a homeserver, a user id and a password or token in the environment."""
        return configured(_own(channel_settings), environ)

    async def invite_hints(
        self, channel_settings: Any, environ: Mapping[str, str], code: str
    ) -> list[str]:
        """The line to type in an encrypted direct chat with the bot."""
        user = _own(channel_settings).user_id or "the bot"
        return [
            f"Matrix: invite {user} to a direct chat with encryption on, "
            f"and send /start {code} there"
        ]

    def alert_feeds(self, channel_settings: Any) -> dict[str, Address]:
        """Matrix has no shared alert feeds (alerts go to each coordinator's DM)."""
        return {}

    def build(self, context: ChannelContext) -> Runtime:
        """The adapter (not yet connected)."""
        from adapters.matrix.channel import MatrixAdapter

        settings = _own(context.channel_settings)
        limiter = context.options.get("limiter")
        language = context.settings.bot.default_language
        return MatrixAdapter(settings, context.environ, language, limiter)


def _own(channel_settings: Any) -> MatrixSettings:
    assert isinstance(channel_settings, MatrixSettings), channel_settings
    return channel_settings


CHANNEL: Channel = MatrixChannel()
