"""Input hygiene in one place: normalisation, invisible characters, size limits."""

from __future__ import annotations

import unicodedata

MAX_MESSAGE_CHARS = 4000
"""The longest single message the bot accepts from a user."""

MAX_ACCOUNT_CHARS = 20000
"""The longest free-text answer (all its messages together) the bot stores."""

_BIDI_AND_INVISIBLE = {
    *range(0x200B, 0x2010),  # zero-width space/joiners, LRM, RLM
    *range(0x202A, 0x202F),  # bidi embeddings and overrides
    *range(0x2060, 0x2065),  # word joiner, invisible operators
    *range(0x2066, 0x206A),  # bidi isolates
    0xFEFF,  # zero-width no-break space / BOM
    0x00AD,  # soft hyphen
    0x061C,  # Arabic letter mark (a bidi control, like LRM and RLM)
    0x180E,  # Mongolian vowel separator (once a zero-width space)
}
_KEPT_CONTROLS = {"\n", "\t"}


def clean(text: str) -> str:
    """Return ``text`` NFC-normalised, without control, bidi-override or zero-width characters."""
    unified = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(char for char in unified if _kept(char))
    # Normalised after the removal: a removed character may have kept two others apart that
    # compose (so cleaning twice gives what cleaning once gave).
    return unicodedata.normalize("NFC", kept).strip()


def _kept(char: str) -> bool:
    if char in _KEPT_CONTROLS:
        return True
    if ord(char) in _BIDI_AND_INVISIBLE:
        return False
    return unicodedata.category(char) not in ("Cc", "Cs", "Co", "Cn")


def one_line(text: str, limit: int = 80) -> str:
    """Collapse ``text`` to one line of at most ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def small_number(text: str, digits: int = 9) -> int | None:
    """``text`` as a non-negative integer of at most ``digits`` digits, else None
    (``isdigit`` alone would let through '²', which ``int`` refuses)."""
    stripped = text.strip()
    if not stripped.isdecimal() or len(stripped) > digits:
        return None
    return int(stripped)
