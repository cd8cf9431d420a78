"""Text lengths as the platforms count them: UTF-16 code units, not Python characters."""

from __future__ import annotations


def utf16_len(s: str) -> int:
    """The length of ``s`` in UTF-16 code units (a character beyond U+FFFF counts two)."""
    return len(s) + sum(1 for char in s if ord(char) > 0xFFFF)


def utf16_cut(s: str, limit: int) -> str:
    """The longest prefix of ``s`` within ``limit`` UTF-16 units; never half a surrogate pair."""
    if len(s) * 2 <= limit:
        return s
    units = 0
    for index, char in enumerate(s):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return s[:index]
    return s
