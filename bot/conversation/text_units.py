"""Text lengths as platforms count them: UTF-16 code units (Telegram, Slack), the stricter way."""

from __future__ import annotations

import unicodedata

_JOINER = "\u200d"


def utf16_len(s: str) -> int:
    """How many UTF-16 code units ``s`` takes (a character beyond U+FFFF takes two)."""
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)


def utf16_cut(s: str, limit: int) -> str:
    """The longest start of ``s`` within ``limit`` UTF-16 code units: never half a surrogate
    pair, and where it can, never half a grapheme (an emoji with its skin tone or joined
    family, a flag, a letter with its accent) — unless that one grapheme alone is too long."""
    if len(s) * 2 <= limit:
        return s
    used = 0
    end = 0
    for c in s:
        used += 2 if ord(c) > 0xFFFF else 1
        if used > limit:
            break
        end += 1
    else:
        return s
    start = end
    while start > 0 and _inside_grapheme(s, start):
        start -= 1
    return s[: start or end]


def _inside_grapheme(s: str, at: int) -> bool:
    """True when a cut before ``s[at]`` would split a grapheme."""
    c = s[at]
    if s[at - 1] == _JOINER or c in (_JOINER, "\ufe0e", "\ufe0f"):
        return True
    if unicodedata.category(c) in ("Mn", "Mc", "Me") or 0x1F3FB <= ord(c) <= 0x1F3FF:
        return True  # a combining mark, an emoji's skin tone
    if _regional(c):
        run = 0
        while at - 1 - run >= 0 and _regional(s[at - 1 - run]):
            run += 1
        return run % 2 == 1  # the second half of a flag
    return False


def _regional(c: str) -> bool:
    return 0x1F1E6 <= ord(c) <= 0x1F1FF


def natural_cut(window: str) -> int:
    """Where to end a part taken from ``window``: its last paragraph, line or word end in
    the second half, else all of it."""
    half = len(window) // 2
    for mark in ("\n\n", "\n", " "):
        cut = window.rfind(mark)
        if cut >= half:
            return cut
    return len(window)
