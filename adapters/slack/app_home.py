"""The App Home tab: a coordinator's desk of open concerns, published with ``views.publish``.

When a user opens the Home tab (the ``app_home_opened`` event, through the Events API and its
signature like every request), the core is asked: a coordinator's desk comes back through the
outbox as a ``HomeView`` (the core sends it again whenever a concern of the network moves), and
anyone else gets a line about the bot, published at once, with no data. A button pressed in
the tab has no conversation to answer in: its answers go to the user's direct messages with
the bot (details too, never a channel)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.ratelimit import SendLimiter
from adapters.slack.app_home_blocks import about_view, home_view
from adapters.slack.translate import user_address
from bot.channels.events import HomeOpened, Sender
from bot.channels.home import HomeView
from bot.channels.protocol import Sink

log = logging.getLogger(__name__)

HOME_LANE = "home:"


def pressed_in_home(body: dict[str, Any]) -> bool:
    """True when a block_actions payload comes from a button in the Home tab."""
    return (body.get("view") or {}).get("type") == "home"


class AppHome:
    """Takes the App Home's events and publishes home views."""

    def __init__(
        self,
        app: AsyncApp,
        client: AsyncWebClient,
        limiter: SendLimiter,
        sink: Callable[[], Sink | None],
    ) -> None:
        self._client = client
        self._limiter = limiter
        self._sink = sink
        app.event("app_home_opened")(self._on_opened)

    async def publish(self, view: HomeView) -> None:
        """Publish ``view`` in its user's Home tab (errors are the caller's to map)."""
        user = view.to.user_id.split(":", 1)[-1]
        async with self._limiter.sending(HOME_LANE + user):
            await self._client.views_publish(user_id=user, view=home_view(view))

    async def _on_opened(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        event = body.get("event") or {}
        user, team = str(event.get("user") or ""), str(body.get("team_id") or "")
        sink = self._sink()
        if event.get("tab") != "home" or not user or not team or sink is None:
            return  # the Messages tab: nothing to show
        sender = Sender(user_address(team, user))
        # A retried event carries the same event id: the core does it once.
        replies = await sink.respond(HomeOpened(sender, f"event:{body.get('event_id', '')}"))
        for reply in replies[:1]:
            await _quietly(self._client.views_publish(user_id=user, view=about_view(reply.text)))


async def _quietly(call: Awaitable[Any]) -> None:
    """Make a call whose failure only costs a view the user sees again at the next opening."""
    try:
        await call
    except SlackApiError as error:
        data = error.response.data
        code = data.get("error") if isinstance(data, dict) else error.response.status_code
        log.warning("publishing a home view failed: %s", code)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("publishing a home view failed: %s", type(error).__name__)
