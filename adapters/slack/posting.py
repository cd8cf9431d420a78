"""Posting one reply into a Slack conversation: a new message, a reply in a thread, or an
update in place of the message posted earlier."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from adapters.ratelimit import SendLimiter
from adapters.slack.translate import render
from bot.channels.replies import Reply


async def place(client: AsyncWebClient, limiter: SendLimiter, channel: str, reply: Reply) -> str:
    """Post or update ``reply`` in ``channel`` within the send limit; the message's ts."""
    text, blocks = render(reply)
    async with limiter.sending(channel):
        placed = reply.placement  # the ts of the message to update, or to thread under
        if placed is not None and placed.edit:
            await client.chat_update(channel=channel, ts=placed.ref, text=text, blocks=blocks)
            return placed.ref
        answer = await client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=placed.ref if placed is not None else None,
            unfurl_links=False,
            unfurl_media=False,
        )
    return str(answer["ts"])
