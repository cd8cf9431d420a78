"""The ``[slack]`` table: the Slack channel's settings type and its checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.app.config_rules import check_api_url
from bot.app.sections import section


@dataclass(frozen=True)
class SlackSettings:
    """The Slack channel for coordinators; active when the bot token variable is set."""

    token_env: str = "SLACK_BOT_TOKEN"
    signing_secret_env: str = "SLACK_SIGNING_SECRET"
    app_token_env: str = "SLACK_APP_TOKEN"
    socket_mode: bool = False
    api_base_url: str = "https://slack.com/api/"
    alert_channels: dict[str, str] = field(default_factory=dict)
    overall_per_second: float = 20.0
    per_channel_per_second: float = 1.0
    per_channel_burst: float = 3.0


def read_settings(table: Mapping[str, Any], env: Mapping[str, str]) -> SlackSettings:
    """``[slack]`` with its environment overrides, checked."""
    settings = section("slack", SlackSettings, dict(table), env)
    check_api_url("[slack] api_base_url", settings.api_base_url, "Slack Web API")
    return settings
