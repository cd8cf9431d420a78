"""The Telegram webhook endpoint on the bot's own HTTP server: updates carrying the secret."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

UpdateHandler = Callable[[dict[str, Any]], Awaitable[None]]
RequestHandler = Callable[[web.Request], Awaitable[web.Response]]


def secret_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of the webhook secret header."""
    return hmac.compare_digest((given or "").encode(), expected.encode())


def webhook(
    handler: UpdateHandler, secret: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The request handler that accepts Telegram updates carrying the secret header."""

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.Response(status=400, text="not json")
        if not isinstance(data, dict):
            return web.Response(status=400, text="not an update")
        try:
            await handler(data)
        except Exception as error:
            # Telegram retries on a non-2xx answer; the update id keeps the effect single.
            log.error("webhook update failed: %s", type(error).__name__)
            return web.Response(status=500, text="try again")
        return web.Response(text="ok")

    return receive
