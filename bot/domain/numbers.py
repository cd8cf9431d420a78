"""Numbers as people type them."""

from __future__ import annotations


def small_number(text: str, digits: int = 9) -> int | None:
    """``text`` as a non-negative integer of at most ``digits`` digits, else None
    (``isdigit`` alone would let through '²', which ``int`` refuses)."""
    stripped = text.strip()
    if not stripped.isdecimal() or len(stripped) > digits:
        return None
    return int(stripped)
