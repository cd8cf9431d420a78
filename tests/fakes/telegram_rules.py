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


# --- files (sendDocument, sendPhoto) -------------------------------------------------------

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
"""sendDocument: "Bots can currently send files of any type of up to 50 MB in size"."""
MAX_PHOTO_BYTES = 10 * 1024 * 1024
"""sendPhoto: "The photo must be at most 10 MB in size"."""
MAX_PHOTO_SIDES = 10000
"""sendPhoto: "The photo's width and height must not exceed 10000 in total"."""
MAX_PHOTO_RATIO = 20
"""sendPhoto: "Width and height ratio must be at most 20"."""
MAX_CAPTION_UNITS = 1024
"""caption: "0-1024 characters after entities parsing" (counted, as texts are, in UTF-16)."""
TOO_LARGE = "Request Entity Too Large"
NO_FILE = "Bad Request: there is no document in the request"
NO_PHOTO = "Bad Request: there is no photo in the request"
NAMELESS = "Bad Request: file must have a name"
NOT_A_PICTURE = "Bad Request: IMAGE_PROCESS_FAILED"
BAD_DIMENSIONS = "Bad Request: PHOTO_INVALID_DIMENSIONS"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"


def upload_refusal(field: str, params: dict[str, Any], content_type: str) -> tuple[int, str] | None:
    """Why an upload of ``field`` (``document`` or ``photo``) is refused, with its status.

    Only a new file in the multipart body is taken (the stricter reading: a ``file_id`` or URL
    string, which the real API also takes, is refused here, as concernbot never sends one).
    A part without a filename is refused too: the documentation says nothing about it, and a
    member's file must keep its name (the stricter reading)."""
    missing = NO_PHOTO if field == "photo" else NO_FILE
    upload = params.get(field)
    if content_type != "multipart/form-data" or not isinstance(upload, dict):
        return 400, missing
    if not upload.get("filename"):
        return 400, NAMELESS
    content = upload["content"]
    if not isinstance(content, bytes) or not content:
        return 400, missing
    caption = params.get("caption", "")
    if not isinstance(caption, str) or utf16_len(caption) > MAX_CAPTION_UNITS:
        return 400, CAPTION_TOO_LONG
    if field == "document":
        return (413, TOO_LARGE) if len(content) > MAX_DOCUMENT_BYTES else None
    if len(content) > MAX_PHOTO_BYTES:
        return 400, "Bad Request: PHOTO_SAVE_FILE_INVALID"
    size = picture_size(content)
    if size is None:
        return 400, NOT_A_PICTURE
    width, height = size
    if (
        width + height > MAX_PHOTO_SIDES
        or min(width, height) == 0
        or max(width, height) > MAX_PHOTO_RATIO * min(width, height)
    ):
        return 400, BAD_DIMENSIONS
    return None


def picture_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG (from its IHDR chunk) or a JPEG (from its SOF marker)."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and content[12:16] == b"IHDR":
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content[:2] != b"\xff\xd8":
        return None
    at = 2
    while at + 9 < len(content) and content[at] == 0xFF:
        marker, length = content[at + 1], int.from_bytes(content[at + 2 : at + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height = int.from_bytes(content[at + 5 : at + 7], "big")
            return int.from_bytes(content[at + 7 : at + 9], "big"), height
        at += 2 + length
    return None
