"""Input hygiene in one place: normalisation, invisible characters, size limits."""

from __future__ import annotations

import unicodedata

MAX_MESSAGE_CHARS = 4096
"""The longest single message the bot takes: Telegram's own limit (in UTF-16 units), so every
message a platform delivers is taken (a free-text account may span many messages)."""

MAX_ACCOUNT_CHARS = 20000
"""The longest free-text answer (all its messages together) the bot stores."""

_JOINERS = {0x200C, 0x200D}  # ZWNJ, ZWJ: needed inside emoji sequences and many scripts
_TAGS = range(0xE0020, 0xE0080)  # tag characters, kept only in a flag's tag sequence
_CANCEL_TAG = 0xE007F
_BLACK_FLAG = 0x1F3F4
_SELECTORS = {*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}
_PREPENDED = {*range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD}
"""Format characters that show (Arabic number signs and the like): kept."""
_INVISIBLE = {0x115F, 0x1160, 0x3164, 0xFFA0}  # Hangul fillers: letters that show as nothing
_LINES = {"\u2028": "\n", "\u2029": "\n", "\x85": "\n", "\r\n": "\n", "\r": "\n"}
_KEPT_CONTROLS = {"\n", "\t"}


def clean(text: str, strip: bool = True) -> str:
    """Return ``text`` NFC-normalised, without control, bidi, zero-width or other invisible
    characters; a joiner (ZWJ, ZWNJ) between two visible characters, a variation selector
    after one, and a flag's tag sequence are kept. ``strip=False`` keeps outer whitespace."""
    for old, new in _LINES.items():
        text = text.replace(old, new)
    kept = _without_lone_marks("".join(char for char in text if _kept(char)))
    # Normalised after the removal: a removed character may have kept two others apart that
    # compose (so cleaning twice gives what cleaning once gave).
    normal = unicodedata.normalize("NFC", kept)
    return normal.strip() if strip else normal


def _kept(char: str) -> bool:
    """Whether ``char`` may stay whatever its neighbours (joiners and tags are judged later)."""
    code = ord(char)
    if char in _KEPT_CONTROLS or code in _JOINERS or code in _TAGS or code in _PREPENDED:
        return True
    if code in _INVISIBLE or _noncharacter(code):
        return False
    # Unassigned (Cn) is kept: this Python's Unicode may predate a new emoji or letter.
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co")


def _noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def _visible(char: str) -> bool:
    """A character that shows itself or belongs to one that does (a mark, a skin tone)."""
    return unicodedata.category(char)[0] in "LMNPS" and ord(char) not in _SELECTORS


def _without_lone_marks(text: str) -> str:
    """Drop joiners not between two visible characters, selectors not after one, and tags
    outside a flag's tag sequence (tags and selectors alone can smuggle hidden text)."""
    out: list[str] = []
    at = 0
    while at < len(text):
        char = text[at]
        code = ord(char)
        left = out[-1] if out else ""
        if code in _TAGS:
            end = at
            while end < len(text) and ord(text[end]) in _TAGS:
                end += 1
            if left and ord(left) == _BLACK_FLAG and _tag_sequence(text[at:end]):
                out.extend(text[at:end])
            at = end
            continue
        if code in _JOINERS:
            right = text[at + 1] if at + 1 < len(text) else ""
            if left and right and (_visible(left) or ord(left) in _SELECTORS) and _visible(right):
                out.append(char)
        elif code not in _SELECTORS or (left and _visible(left)):
            out.append(char)
        at += 1
    return "".join(out)


def _tag_sequence(run: str) -> bool:
    """A flag's tags: at least one tag letter, then the cancel tag, which ends it."""
    return len(run) > 1 and ord(run[-1]) == _CANCEL_TAG and chr(_CANCEL_TAG) not in run[:-1]


def one_line(text: str, limit: int = 80) -> str:
    """Collapse ``text`` to one line of at most ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"
