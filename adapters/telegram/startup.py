"""Start-up calls to the Bot API that wait out Telegram's 429s instead of failing the instance."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import TypeVar

from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from adapters.ratelimit import SendLimiter
from adapters.telegram.settings import TelegramSettings
from bot.app.logs import add_secret, redact
from bot.startup_errors import ConfigError, CredentialsRejected, PlatformUnreachable, refusal

log = logging.getLogger(__name__)

T = TypeVar("T")

START_UP = "(start-up)"
"""The limiter's key for start-up calls (they go to no chat)."""


class StartUpGaveUp(PlatformUnreachable):
    """Telegram kept answering 429 to a start-up call for longer than we are willing to wait."""


def retry_seconds(error: RetryAfter) -> float:
    """Seconds Telegram asked us to wait, whatever type this library version reports."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Patient:
    """Runs start-up calls, honouring each ``retry_after`` through the send limiter (so the
    pause holds for every call of this instance), up to ``start_retry_seconds`` of waiting in
    all. A Bot API that cannot be reached, or rejects the token, ends the start-up."""

    def __init__(self, limiter: SendLimiter, settings: TelegramSettings) -> None:
        self._limiter = limiter
        self._settings = settings
        self._budget = settings.start_retry_seconds
        self.waited = 0.0

    async def call(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Await ``attempt()`` until it is not refused with 429; ``what`` names it in logs."""
        where = f"Telegram ([telegram] api_base_url {self._settings.api_base_url})"
        while True:
            try:
                return await attempt()
            except InvalidToken:
                # Its message quotes the token: never shown.
                raise CredentialsRejected(
                    f"Telegram (${self._settings.token_env})",
                    f"the Bot API rejected the bot token at {what}",
                    f"copy the token from @BotFather into ${self._settings.token_env} again",
                ) from None
            except BadRequest:
                raise  # a call we got wrong, or a setting the caller names
            except NetworkError as error:
                # Our transport's messages name the failure, never the URL (it holds the token).
                raise PlatformUnreachable(
                    where,
                    f"cannot be reached at {what} ({redact(error.message)})",
                    "check the network, the proxy and the URL, then start again",
                ) from None
            except RetryAfter as error:
                seconds = retry_seconds(error)
                if self.waited + seconds > self._budget:
                    raise StartUpGaveUp(
                        "Telegram",
                        f"answered 429 (too many requests) to {what} at start-up after "
                        f"{self.waited:.0f} seconds of waiting; gave up, as [telegram] "
                        f"start_retry_seconds is {self._budget:.0f}",
                        "start again later, or raise start_retry_seconds",
                    ) from None
                log.warning("Telegram asked to wait %.0f s before %s; waiting", seconds, what)
                self.waited += seconds
                self._limiter.pause(seconds)
                await self._limiter.wait(START_UP)


async def set_webhook(
    patient: Patient, bot: Bot, settings: TelegramSettings, secret: str, allowed: list[str]
) -> None:
    """Register the webhook; a URL Telegram refuses is a setting to fix."""
    try:
        await patient.call(
            "setWebhook",
            lambda: bot.set_webhook(
                settings.webhook_url, secret_token=secret or None, allowed_updates=allowed
            ),
        )
    except BadRequest as error:
        raise ConfigError(
            refusal(
                f"[telegram] webhook_url {settings.webhook_url}",
                f"Telegram refused it ({error.message})",
                "give the public https URL of this bot's reverse proxy",
            )
        ) from None


async def bot_username(settings: TelegramSettings, environ: Mapping[str, str]) -> str:
    """Ask Telegram (getMe) for the bot's username; empty when no token or no answer."""
    token = environ.get(settings.token_env, "")
    if not token:
        return ""
    add_secret(token)
    bot = Bot(token, base_url=f"{settings.api_base_url.rstrip('/')}/bot")
    try:
        async with bot:
            return bot.username or ""
    except TelegramError:
        return ""
