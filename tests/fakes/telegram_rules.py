"""What the Bot API refuses, as the fake Telegram applies it: parameter types, limits and
windows, with Telegram's own error descriptions.

Where the Bot API documentation gives no number, the stricter reading is taken and named here.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.conversation.text_units import utf16_len

DELETE_WINDOW = 48 * 3600.0
"""deleteMessage: "a message can only be deleted if it was sent less than 48 hours ago"."""
CALLBACK_WINDOW = 10.0
"""answerCallbackQuery: undocumented; clients give up after about 15 s. Stricter: 10 s."""
MAX_TEXT_UNITS = 4096
"""sendMessage text: 1-4096 characters after entity parsing, counted in UTF-16 code units."""
MAX_CALLBACK_BYTES = 64
"""InlineKeyboardButton callback_data: 1-64 bytes."""
WEBHOOK_PORTS = (443, 80, 88, 8443)
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")

NOT_FOUND_TO_DELETE = "Bad Request: message to delete not found"
TOO_OLD_TO_DELETE = "Bad Request: message can't be deleted for everyone"
NOT_FOUND_TO_EDIT = "Bad Request: message to edit not found"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"

JSON_PARAMETERS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "media",
        "menu_button",
    }
)
"""Parameters the Bot API documents as JSON-serialised; every other String stays a string."""
_STRING_IDS = frozenset({"callback_query_id", "inline_query_id", "file_id"})
_INTEGERS = frozenset({"offset", "limit", "timeout", "cache_time", "max_connections"})
_BOOLEANS = frozenset(
    {"drop_pending_updates", "show_alert", "disable_notification", "protect_content"}
)
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
"""Update types not delivered unless asked for by name in allowed_updates."""


def decode(key: str, value: Any, form: bool) -> Any:
    """A parameter as the Bot API reads it: JSON-serialised ones decoded; in a form, the
    documented Integer and Boolean ones converted; a String (``text`` above all) never."""
    if not isinstance(value, str):
        return value
    if key in JSON_PARAMETERS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if not form:
        return value
    integer = key in _INTEGERS or (key.endswith("_id") and key not in _STRING_IDS)
    if integer and value.lstrip("-").isdigit():
        return int(value)
    if key in _BOOLEANS and value in ("true", "false"):
        return value == "true"
    return value


def text_refusal(text: str) -> str | None:
    """Why sendMessage refuses ``text``, if it does."""
    if not text.strip():
        return "Bad Request: message text is empty"
    if utf16_len(text) > MAX_TEXT_UNITS:
        return "Bad Request: message is too long"
    return None


def markup_refusal(markup: Any) -> str | None:
    """Why an inline keyboard is refused, if it is (callback data over 64 bytes, or none)."""
    if not isinstance(markup, dict):
        return None
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_BYTES:
                return "Bad Request: BUTTON_DATA_INVALID"
    return None


def webhook_refusal(params: dict[str, Any]) -> str | None:
    """Why setWebhook refuses these parameters, if it does (an empty URL removes the hook)."""
    url = str(params.get("url", ""))
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            return "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
        try:
            port = parts.port or 443
        except ValueError:
            return "Bad Request: bad webhook: Failed to resolve host: Invalid port"
        if port not in WEBHOOK_PORTS:
            return (
                "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
    if "secret_token" in params:
        secret = str(params["secret_token"])
        # 1-256 characters; an empty one given outright is refused too (the stricter reading).
        if not _SECRET_TOKEN.fullmatch(secret):
            return "Bad Request: secret token contains unallowed characters"
        if not 1 <= len(secret) <= 256:
            return "Bad Request: secret token must be 1-256 characters long"
    return None


def update_type(update: dict[str, Any]) -> str:
    """The kind of an update: the name of its one field besides ``update_id``."""
    return next(key for key in update if key != "update_id")


def allowed(kind: str, allowed_updates: list[str] | None) -> bool:
    """Whether an update of ``kind`` is delivered under ``allowed_updates`` (None or []:
    every type except those Telegram leaves out by default)."""
    if not allowed_updates:
        return kind not in DEFAULT_EXCLUDED
    return kind in allowed_updates


async def parameters(request: web.Request) -> dict[str, Any]:
    """A call's parameters, sent as JSON, as a urlencoded form or as multipart form data (the
    Bot API takes all three), read as the Bot API reads them (``decode``)."""
    if not request.can_read_body:
        return {}
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="a JSON object was expected")
        return {k: decode(k, v, form=False) for k, v in body.items()}
    form = await request.post()
    return {
        k: (
            {"filename": v.filename, "content": v.file.read()}
            if isinstance(v, web.FileField)
            else decode(k, str(v), form=True)
        )
        for k, v in form.items()
    }
