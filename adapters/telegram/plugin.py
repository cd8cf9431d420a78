"""The Telegram channel as a plug-in: its settings, its invite line and its runtime.

Loaded to read the configuration; python-telegram-bot itself is imported only when the
channel is built (a bot without a Telegram token never loads it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.telegram.settings import TelegramSettings, read_settings
from bot.channels.events import Address
from bot.channels.protocol import Channel, ChannelContext, Runtime
from bot.settings import Settings
from bot.startup_errors import ConfigError


class TelegramChannel:
    """Private chats with reporters and coordinators, polling or through a webhook."""

    name = "telegram"
    loggers = ("telegram",)

    def settings(self, table: Mapping[str, Any], environ: Mapping[str, str]) -> TelegramSettings:
        """``[telegram]``, checked (webhook mode: what setWebhook would refuse)."""
        return read_settings(table, environ)

    def check(self, channel_settings: Any, settings: Settings) -> None:
        """Nothing of the core's settings to check."""

    def configured(self, channel_settings: Any, environ: Mapping[str, str]) -> bool:
        """True when the bot token variable is set."""
        return bool(environ.get(_own(channel_settings).token_env))

    async def invite_hints(
        self, channel_settings: Any, environ: Mapping[str, str], code: str
    ) -> list[str]:
        """The t.me link (the username asked from Telegram when not configured)."""
        settings = _own(channel_settings)
        username = settings.username
        if not username:
            from adapters.telegram.startup import bot_username

            username = await bot_username(settings, environ)
        if username:
            return [f"Telegram: https://t.me/{username}?start={code}"]
        return [f"Telegram: send '/start {code}' to the bot"]

    def alert_feeds(self, channel_settings: Any) -> dict[str, Address]:
        """Telegram has no shared alert feeds."""
        return {}

    def build(self, context: ChannelContext) -> Runtime:
        """The adapter, with the send limiter shared between instances on PostgreSQL."""
        settings = _own(context.channel_settings)
        token = context.environ.get(settings.token_env, "")
        secret = context.environ.get(settings.webhook_secret_env, "")
        if settings.mode == "webhook" and not secret:
            raise ConfigError(f"webhook mode needs a secret in ${settings.webhook_secret_env}")
        from adapters.shared_budget import telegram_limiter
        from adapters.telegram.channel import TelegramAdapter

        limiter = context.options.get("limiter") or telegram_limiter(context.engine, settings)
        return TelegramAdapter(settings, token, secret, limiter)


def _own(channel_settings: Any) -> TelegramSettings:
    assert isinstance(channel_settings, TelegramSettings), channel_settings
    return channel_settings


CHANNEL: Channel = TelegramChannel()
