"""The bot's place in its Slack alert channels: joins public ones, and says which lack it.

The bot posts only into channels it is a member of (it asks for ``channels:join``, not
``chat:write.public``, so that it can also update its alerts and answer in their threads).
A public alert channel it joins itself, at start and whenever Slack says it is not in one;
a private one it cannot join, so until a member invites it, its alerts wait in the outbox
and ``/healthz`` and the log name the channel and the fix."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.ratelimit import SendLimiter
from bot.delivery.outcomes import RetryLater
from bot.startup_errors import CredentialsRejected, PlatformUnreachable

log = logging.getLogger(__name__)

LACKING_WAIT = 60.0  # seconds until a channel that lacks the bot is tried again
START_TRIES = 5
START_LANE = "start-up"
OUTSIDE = {"not_in_channel", "channel_not_found"}
REJECTED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


class ChannelLacksBot(RetryLater):
    """The bot is not in this channel and cannot join it: keep the message, try again later."""

    kind = "channel_lacks_bot"


class AlertChannels:
    """Joins the alert channels; remembers which lack the bot and why (an error code)."""

    def __init__(
        self, client: AsyncWebClient, limiter: SendLimiter, token_env: str = "SLACK_BOT_TOKEN"
    ) -> None:
        self._client = client
        self._token_env = token_env
        self._limiter = limiter
        self.bot_name = "concernbot"
        self.lacking: dict[str, str] = {}

    async def start(self, channels: list[str]) -> None:
        """Learn the bot's name and join every alert channel, honouring rate limits. A Slack
        that cannot be reached, or rejects the token, ends the start-up."""
        try:
            me = await self.patiently(self._client.auth_test, required=True)
        except SlackApiError as error:
            if _code(error) in REJECTED:
                raise CredentialsRejected(
                    f"Slack (${self._token_env})",
                    f"the Web API rejected the bot token ({_code(error)})",
                    f"put the app's Bot User OAuth Token (xoxb-…) in ${self._token_env}",
                ) from None
            me = None  # bolt checks the token again at the first request, and says why
            log.warning("Slack auth.test failed at start")
        if me is not None:
            self.bot_name = str(me.get("user") or self.bot_name)
        for channel in sorted(set(channels)):
            await self.join(channel, at_start=True)

    async def patiently(
        self, call: Callable[..., Awaitable[Any]], required: bool = False, **kwargs: Any
    ) -> Any:
        """Make a start-up call, waiting out each 429's Retry-After; None when it failed
        (``required``: a Slack that cannot be reached raises ``PlatformUnreachable``)."""
        for _ in range(START_TRIES):
            try:
                return await call(**kwargs)
            except SlackApiError as error:
                if error.response.status_code != 429:
                    raise
                self._limiter.pause(float(error.response.headers.get("Retry-After", "1") or 1))
                await self._limiter.wait(START_LANE)
            except (aiohttp.ClientError, TimeoutError) as error:
                if required:
                    raise PlatformUnreachable(
                        f"Slack ([slack] api_base_url {self._client.base_url})",
                        f"cannot be reached ({type(error).__name__})",
                        "check the network, the proxy and the URL, then start again",
                    ) from None
                log.warning("Slack start-up call failed: %s", type(error).__name__)
                return None
        log.warning("Slack start-up call still rate limited after %d tries", START_TRIES)
        return None

    async def join(self, channel: str, at_start: bool = False) -> bool:
        """Join ``channel``; False (and remembered) when the bot cannot. At start a 429 is
        waited out here; later it is raised, for the outbox to try again after it."""
        try:
            if at_start:
                joined = await self.patiently(self._client.conversations_join, channel=channel)
                if joined is None:
                    return False  # unknown yet: the first post will tell
            else:
                await self._client.conversations_join(channel=channel)
        except SlackApiError as error:
            if error.response.status_code == 429:
                raise
            self.lack(channel, _code(error))
            return False
        self.posted(channel)
        return True

    async def refused(self, channel: str, error: SlackApiError) -> bool:
        """After a post was refused: True when the bot has now joined (post again); raises
        ``ChannelLacksBot`` when it cannot; False when the error is about something else."""
        if _code(error) not in OUTSIDE:
            return False
        if await self.join(channel):
            return True
        raise ChannelLacksBot(LACKING_WAIT) from None

    def posted(self, channel: str) -> None:
        """A post into ``channel`` went through: it does not lack the bot (any more)."""
        if self.lacking.pop(channel, None) is not None:
            log.info("Slack channel %s has the bot again; its waiting alerts go out", channel)

    def lack(self, channel: str, code: str) -> None:
        """Remember that ``channel`` lacks the bot; log it (once) with what to do."""
        if self.lacking.get(channel) != code:
            log.warning(
                "Slack channel %s lacks the bot (%s): its alerts wait in the outbox until a "
                "member types /invite @%s in that channel",
                channel,
                code,
                self.bot_name,
            )
        self.lacking[channel] = code

    def warnings(self) -> list[str]:
        """One line per channel that lacks the bot, for /healthz."""
        return [
            f"Slack channel {channel} lacks the bot ({code}); alerts for it wait: "
            f"type /invite @{self.bot_name} in that channel"
            for channel, code in sorted(self.lacking.items())
        ]


def _code(error: SlackApiError) -> str:
    data = error.response.data
    code = data.get("error") if isinstance(data, dict) else None
    return str(code or f"http_{error.response.status_code}")
