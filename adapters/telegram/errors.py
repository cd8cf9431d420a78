"""Telegram's errors in the core's terms: delivery outcomes and the polling conflict."""

from __future__ import annotations

from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut

from bot.delivery.outcomes import (
    DeliveryError,
    Disconnected,
    Rejected,
    ServerError,
    Unreachable,
)
from bot.startup_errors import PollingConflictError


class PollingConflict(PollingConflictError):
    """Telegram answered 409: another process polls the same bot."""


def delivery_error(error: TelegramError) -> DeliveryError:
    """What a failed send (other than a 429) means for the outbox."""
    if isinstance(error, Forbidden):
        return Unreachable("blocked")
    if isinstance(error, BadRequest):
        return Rejected("bad_request")
    if isinstance(error, TimedOut):
        return Disconnected("timed_out")
    if isinstance(error, NetworkError):
        # The library says NetworkError both when no answer came and when Telegram answered
        # with a status it has no error for (a 5xx): our HTTP client marks the former.
        if str(error).startswith(("aiohttp ", "httpx.", "Unknown error in HTTP")):
            return Disconnected(type(error).__name__)
        return ServerError(type(error).__name__)
    return DeliveryError(type(error).__name__)
