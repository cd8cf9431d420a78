"""Matrix, translated: pure functions from event contents to core events and replies to
``m.room.message`` contents (no I/O; the menus memory is passed in)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from adapters.matrix.texts import HELD_BACK
from bot.channels.events import ChoiceMade, InboundEvent, Sender, UnsupportedReceived, parse_text
from bot.channels.replies import Choice, Reply, numbered
from bot.conversation.text_units import natural_cut, utf16_cut, utf16_len
from bot.domain.numbers import small_number
from bot.i18n import Translate

if TYPE_CHECKING:
    from adapters.matrix.menus import RoomMenus

CHANNEL = "matrix"
MAX_BODY = 16000
"""Characters of text in one message part. A Matrix event may take 65536 bytes, and the one the
server stores is the encrypted form: the content serialised as JSON with every non-ASCII
character escaped (6 bytes, 12 beyond U+FFFF), once as ``body`` and again, HTML-escaped, as
``formatted_body``, then encrypted and base64-encoded (4/3). Dutch prose costs about 2 bytes a
character across both fields, so 16000 characters stay near 32 KB before encryption and 43 KB
after — well inside the limit. ``MAX_CONTENT_BYTES`` guards the rest: text of emoji only."""
MAX_CONTENT_BYTES = 40000
"""Bytes ``body`` and ``formatted_body`` may take in JSON before encryption: 53 KB after it,
leaving room for the event's other fields."""
HTML = "org.matrix.custom.html"
TEXT_CONTROLS = frozenset({"done", "skip"})
"""The choice ids of a text step's own options (Done, Skip): there a typed number is text."""
KEYCAPS: dict[int, str] = {n: f"{n}\ufe0f\u20e3" for n in range(1, 10)} | {10: "\U0001f51f"}
"""The reaction key for each number, as Element's picker sends it (1️⃣ … 9️⃣, 🔟)."""
_KEYCAP = "\u20e3"
_MEDIA = {"m.image", "m.file", "m.audio", "m.video", "m.location"}
_TEXTUAL = {"m.text", "m.notice", "m.emote"}


@dataclass(frozen=True)
class Parsed:
    """An ``m.room.message`` content as the bot takes it: ``kind`` is text, edit, media or
    other; ``text`` without a reply fallback; ``reply_to`` the event id replied to;
    ``media`` the kind of media (image, file, audio, video, location)."""

    kind: str
    text: str = ""
    reply_to: str | None = None
    forwarded: bool = False
    media: str | None = None


def writing(reply: Reply) -> bool:
    """True for a text step's reply: its only choices are Done and Skip."""
    return bool(reply.choices) and all(c.id in TEXT_CONTROLS for c in reply.choices)


def keycap_number(key: str) -> int | None:
    """The number a reaction key stands for: a keycap (with or without U+FE0F), 🔟, or digits."""
    bare = key.strip().replace("\ufe0f", "")
    if bare == KEYCAPS[10]:
        return 10
    if bare.endswith(_KEYCAP) and len(bare) == 2:
        bare = bare[0]
    return small_number(bare, 2)


def parse(content: dict[str, Any]) -> Parsed:
    """Read an ``m.room.message`` content: edits and media are told apart from text."""
    relates = content.get("m.relates_to")
    relates = relates if isinstance(relates, dict) else {}
    if relates.get("rel_type") == "m.replace" or "m.new_content" in content:
        return Parsed("edit")
    msgtype, body = content.get("msgtype"), content.get("body")
    if msgtype in _MEDIA:
        return Parsed("media", media=str(msgtype).removeprefix("m."))
    if msgtype not in _TEXTUAL or not isinstance(body, str):
        return Parsed("other")
    reply_to = _reply_to(relates)
    return Parsed("text", strip_fallback(body) if reply_to else body, reply_to)


def _reply_to(relates: dict[str, Any]) -> str | None:
    """The event a message answers: its ``m.in_reply_to``, or in a thread where that is only a
    fallback for clients without threads, the thread's root."""
    if relates.get("rel_type") == "m.thread" and relates.get("is_falling_back"):
        root = relates.get("event_id")
        return root if isinstance(root, str) and root else None
    replied = relates.get("m.in_reply_to")
    target = replied.get("event_id") if isinstance(replied, dict) else None
    return target if isinstance(target, str) and target else None


def strip_fallback(body: str) -> str:
    """``body`` without the quote of the replied message a client may put first
    (``> <@alice:hs> quoted`` lines and a blank line); a body without one is kept as it is."""
    lines = body.split("\n")
    if not lines[0].startswith(("> <", "> * <")):
        return body
    quoted = next((i for i, line in enumerate(lines) if not line.startswith(">")), len(lines))
    if quoted < len(lines) and lines[quoted].strip():
        return body  # no blank line after the quote: not a fallback
    return "\n".join(lines[quoted + 1 :])


def parse_reaction(content: dict[str, Any]) -> tuple[str, str] | None:
    """The event reacted to and the key of an ``m.reaction`` content (an ``m.annotation``)."""
    relates = content.get("m.relates_to")
    if not isinstance(relates, dict) or relates.get("rel_type") != "m.annotation":
        return None
    target, key = relates.get("event_id"), relates.get("key")
    if not isinstance(target, str) or not target or not isinstance(key, str):
        return None
    return target, key


def to_event(sender: Sender, parsed: Parsed, event_id: str, menus: RoomMenus) -> InboundEvent:
    """The core event for a parsed message: a number or label of the choices it refers to (as
    ``menus`` remembers them) picks one; else a command or text; edits and media are refused."""
    if parsed.kind == "edit":
        return UnsupportedReceived(sender, "edit", event_id=event_id)
    if parsed.kind != "text":
        return UnsupportedReceived(sender, parsed.media or "other", event_id=event_id)
    picked = menus.resolve_text(parsed.text, parsed.reply_to)
    if picked is not None:
        return ChoiceMade(sender, picked[0], picked[1], event_id=event_id)
    return parse_text(sender, parsed.text, event_id, event_id, parsed.forwarded, parsed.reply_to)


def reaction_event(
    sender: Sender, target_event_id: str, key: str, event_id: str, menus: RoomMenus
) -> ChoiceMade | None:
    """The choice a number reaction on one of the bot's numbered messages picks, if any."""
    picked = menus.resolve_reaction(target_event_id, key)
    if picked is None:
        return None
    return ChoiceMade(sender, picked[0], picked[1], event_id=event_id)


def render(reply: Reply, numbers: bool, t: Translate) -> list[dict[str, Any]]:
    """The ``m.room.message`` contents of a reply: its text split to fit, the choices on the
    last part — numbered (``1. Label``, each by its fixed number) or, in a text step or with
    ``numbers`` off, as bullets (then with the note that numbers answer the open step)."""
    parts = split_text(reply.text) if reply.text.strip() or not reply.choices else []
    if not reply.choices:
        return [_content(part, _html(part)) for part in parts]
    shown = numbers and not writing(reply)
    plain, markup = _choices(reply.choices, shown)
    if not numbers:
        held = t(HELD_BACK)
        plain += "\n\n" + held
        markup += f"<p><em>{_html(held)}</em></p>"
    contents = [_content(part, _html(part)) for part in parts[:-1]]
    last = parts[-1] if parts else ""
    body = f"{last}\n\n{plain}" if last else plain
    formatted = f"{_html(last)}{markup}" if last else markup
    if len(body) <= MAX_BODY and _cost(body) + _cost(formatted) <= MAX_CONTENT_BYTES:
        return [*contents, _content(body, formatted)]
    if last:
        contents.append(_content(last, _html(last)))
    if len(plain) <= MAX_BODY and _cost(plain) + _cost(markup) <= MAX_CONTENT_BYTES:
        return [*contents, _content(plain, markup)]
    return [*contents, *(_content(p, _html(p)) for p in split_text(plain))]


def _choices(choices: tuple[Choice, ...], shown: bool) -> tuple[str, str]:
    """The choices as lines of plain text and as HTML lists: numbered by runs of consecutive
    numbers (``<ol start>``; HTML in Matrix keeps no ``value`` on an item), or bullets."""
    if not shown:
        items = "".join(f"<li>{_html(c.label)}</li>" for c in choices)
        return "\n".join(f"• {c.label}" for c in choices), f"<ul>{items}</ul>"
    lines, markup, previous = [], "", None
    for number, choice in numbered(choices):
        lines.append(f"{number}. {choice.label}")
        if previous is None or number != previous + 1:
            markup += ("</ol>" if previous is not None else "") + f'<ol start="{number}">'
        markup += f"<li>{_html(choice.label)}</li>"
        previous = number
    return "\n".join(lines), markup + "</ol>"


def _content(body: str, formatted: str) -> dict[str, Any]:
    """One message part; ``m.mentions`` empty, so no name in the text pings anyone."""
    return {
        "msgtype": "m.text",
        "body": body or "…",
        "format": HTML,
        "formatted_body": formatted or "…",
        "m.mentions": {},
    }


def _html(text: str) -> str:
    """Plain text as HTML: escaped (it may hold what a user typed), line breaks kept."""
    return html.escape(text).replace("\n", "<br>")


def _cost(text: str) -> int:
    """Bytes ``text`` takes as a JSON string with non-ASCII escaped (as it is encrypted)."""
    return len(json.dumps(text))


@lru_cache(maxsize=4096)
def _char_cost(c: str) -> int:
    """Bytes one character adds to a part: in ``body`` and, as HTML, in ``formatted_body``."""
    return _cost(c) + _cost(_html(c)) - 4


def _fitting(text: str, limit: int, budget: int) -> int:
    """How many characters from the start of ``text`` fit one part."""
    used = 4  # the quotes of both JSON strings
    for count, c in enumerate(text[:limit]):
        used += _char_cost(c)
        if used > budget:
            return count
    return min(len(text), limit)


def split_text(text: str, limit: int = MAX_BODY, budget: int = MAX_CONTENT_BYTES) -> list[str]:
    """Split text into parts of at most ``limit`` characters that each fit ``budget`` bytes
    (``body`` and ``formatted_body`` together), at paragraph, line or word ends; a surrogate
    pair or a grapheme (an emoji with its skin tone, a flag) is never split."""
    chunks: list[str] = []
    rest = text
    while (fits := _fitting(rest, limit, budget)) < len(rest):
        window = utf16_cut(rest, utf16_len(rest[: max(fits, 1)]))
        cut = natural_cut(window)
        chunk = rest[:cut].rstrip()
        if chunk:  # an empty part would say nothing
            chunks.append(chunk)
        rest = rest[cut:].lstrip()
    if rest or not chunks:
        chunks.append(rest)
    return chunks
