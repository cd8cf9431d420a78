"""Answers only the coordinator sees: through the interaction's response URL, which works in
any conversation (a direct message between colleagues, a private channel without the bot),
and through ``chat.postEphemeral`` only where Slack gave no URL or the URL is used up. A press
in the App Home comes from no conversation: it is answered in the user's direct messages
with the bot."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

log = logging.getLogger(__name__)


async def show(
    client: AsyncWebClient,
    response_url: str,
    channel: str,
    user: str,
    text: str,
    blocks: list[dict[str, Any]],
) -> bool:
    """Show ``user`` an ephemeral answer; True when Slack took it."""
    if response_url:
        hook = AsyncWebhookClient(response_url, session=client.session)
        message = {
            "text": text,
            "blocks": blocks,
            "response_type": "ephemeral",
            "replace_original": False,
        }
        try:
            answer = await hook.send_dict(message)
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("answer through the response URL failed: %s", type(error).__name__)
        else:
            if answer.status_code == 200:
                return True
            # A used-up or expired URL (5 answers, 30 minutes): the channel may still work.
            log.warning("response URL refused the answer: http %d", answer.status_code)
    if not user:
        return False
    try:
        if not channel and not response_url:  # pressed in the App Home
            opened = await client.conversations_open(users=user)
            await client.chat_postMessage(
                channel=str(opened["channel"]["id"]), text=text, blocks=blocks, unfurl_links=False
            )
            return True
        if not channel:
            return False
        await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
    except SlackApiError as error:
        data = error.response.data
        code = data.get("error") if isinstance(data, dict) else error.response.status_code
        log.warning("ephemeral answer failed: %s", code)
        return False
    return True
