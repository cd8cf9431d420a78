"""Slack's answers in the core's terms, and removals (a modal is replaced, not deleted)."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.files import FILE, delete, direct_channel
from adapters.slack.forms import VIEW
from bot.channels.replies import Removal
from bot.delivery.outcomes import DeliveryError, Rejected, RetryLater, ServerError

_FOR_GOOD = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "message_not_found",
    "invalid_blocks",
    "msg_too_long",
    "no_text",
    "cant_update_message",
    # views.publish: the Home tab is off in the app's settings, the user is gone, or the view
    # is refused as it is (trying it again cannot help).
    "not_enabled",
    "user_not_found",
    "view_too_large",
    "invalid_arguments",
    "file_outside_dm",
}


async def remove(client: AsyncWebClient, removal: Removal, erased: dict[str, Any]) -> None:
    """Delete each message (or file) of ``removal``, or replace each modal with ``erased``."""
    channel = removal.to.user_id
    for ts in removal.message_ids:
        try:
            if ts.startswith(VIEW):  # a modal cannot be deleted, only replaced
                await client.views_update(view_id=ts[len(VIEW) :], view=erased)
            elif ts.startswith(FILE):
                await delete(client, ts)
            else:
                if ":" in channel:  # a user: their messages are in the direct message
                    channel = await direct_channel(client, channel)
                await client.chat_delete(channel=channel, ts=ts)
        except SlackApiError as error:
            # Already gone (a closed modal too) is done; anything else (a rate limit, an
            # outage) is retried, or an erased concern's copy would stay.
            if error.response.get("error") not in ("message_not_found", "not_found"):
                raise


def mapped(error: SlackApiError) -> DeliveryError:
    """What a refused Web API call means for the outbox."""
    status = getattr(error.response, "status_code", 200)
    code = str(error.response.get("error", "")) if status < 500 else ""
    if status == 429 or code == "ratelimited":
        retry_after = float(error.response.headers.get("Retry-After", "1") or 1)
        return RetryLater(retry_after)
    if code in _FOR_GOOD:
        return Rejected(code)
    if status >= 500:
        return ServerError(f"http_{status}")
    return DeliveryError(code or f"http_{status}")
