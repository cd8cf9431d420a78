"""The Slack channel as a plug-in: its settings, alert feeds, invite line and runtime.

Loaded to read the configuration; slack-bolt and slack-sdk are imported only when the
channel is built (a bot without a Slack token never loads them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.slack.settings import SlackSettings, read_settings
from bot.channels.events import Address
from bot.channels.protocol import Channel, ChannelContext, Runtime
from bot.settings import Settings
from bot.startup_errors import ConfigError

NAME = "slack"


class SlackChannel:
    """Coordinators' workspace: alerts in network channels, buttons, forms and /concern."""

    name = NAME
    loggers = ("slack_bolt", "slack_sdk")

    def settings(self, table: Mapping[str, Any], environ: Mapping[str, str]) -> SlackSettings:
        """``[slack]`` (with ``[slack.alert_channels]``), checked."""
        return read_settings(table, environ)

    def check(self, channel_settings: Any, settings: Settings) -> None:
        """Every alert channel names a configured network."""
        for network_id in _own(channel_settings).alert_channels:
            settings.network(network_id)

    def configured(self, channel_settings: Any, environ: Mapping[str, str]) -> bool:
        """True when the bot token variable is set."""
        return bool(environ.get(_own(channel_settings).token_env))

    async def invite_hints(
        self, channel_settings: Any, environ: Mapping[str, str], code: str
    ) -> list[str]:
        """The slash command that joins."""
        return [f"Slack: /concern join {code}"]

    def alert_feeds(self, channel_settings: Any) -> dict[str, Address]:
        """Each network's alert channel."""
        return {
            network: Address(NAME, channel)
            for network, channel in _own(channel_settings).alert_channels.items()
        }

    def build(self, context: ChannelContext) -> Runtime:
        """The adapter; its signing secret (or Socket Mode's app token) is required."""
        settings = _own(context.channel_settings)
        token = context.environ.get(settings.token_env, "")
        signing_secret = context.environ.get(settings.signing_secret_env, "")
        app_token = context.environ.get(settings.app_token_env, "")
        if not signing_secret and not (settings.socket_mode and app_token):
            raise ConfigError(
                f"Slack needs ${settings.signing_secret_env} (or Socket Mode with "
                f"${settings.app_token_env})"
            )
        from adapters.shared_budget import slack_limiter
        from adapters.slack.channel import SlackAdapter

        return SlackAdapter(
            settings,
            token,
            signing_secret,
            context.settings.bot.default_language,
            app_token,
            context.options.get("limiter") or slack_limiter(context.engine, settings),
        )


def _own(channel_settings: Any) -> SlackSettings:
    assert isinstance(channel_settings, SlackSettings), channel_settings
    return channel_settings


CHANNEL: Channel = SlackChannel()
