"""What makes a python-telegram-bot floor like-for-like with concernbot: the same transport and
the same number of updates handled side by side.

concernbot replaced the library's default httpx transport with its own on aiohttp
(``adapters/telegram/transport.py``: 16 connections for calls, one for getUpdates) and handles
8 updates at once (``[telegram] concurrent_updates``, its chat lanes). A floor built with
``like_concernbot`` gets both; without it, the library's defaults (httpx, one update at a
time), as its documentation writes a bot.
"""

from __future__ import annotations

import argparse
from typing import Any

from telegram.ext import ApplicationBuilder

from adapters.telegram.channel import POOL_WAIT
from adapters.telegram.settings import TelegramSettings
from adapters.telegram.transport import AiohttpRequest

SETTINGS = TelegramSettings()
"""concernbot's defaults: its connections and its lanes."""


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options every floor takes from ``bench.turns``."""
    parser.add_argument("--api", required=True, help="Bot API base URL (without /bot)")
    parser.add_argument("--token", required=True)
    parser.add_argument(
        "--like-concernbot",
        action="store_true",
        help="concernbot's aiohttp transport and its 8 concurrent updates",
    )


def builder(args: argparse.Namespace) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An application builder for the fake Bot API, like concernbot's when asked."""
    built = ApplicationBuilder().token(args.token).base_url(f"{args.api}/bot")
    if args.like_concernbot:
        built = built.request(AiohttpRequest(SETTINGS.connections, POOL_WAIT))
        built = built.get_updates_request(AiohttpRequest(1, POOL_WAIT))
        built = built.concurrent_updates(SETTINGS.concurrent_updates)
    return built
