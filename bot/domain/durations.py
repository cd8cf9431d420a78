"""Durations as operators type them: ``7d``, ``12h``, ``30m``, ``90s``."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.numbers import small_number

_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """Parse ``<number><unit>`` with unit d, h, m, s or w; raise ValueError otherwise."""
    value = text.strip().lower()
    unit = _UNITS.get(value[-1:]) if value else None
    number = value[:-1]
    amount = small_number(number, digits=6)
    if unit is None or amount is None or amount <= 0:
        raise ValueError(f"not a duration: {text!r} (use e.g. 7d, 12h, 30m)")
    return timedelta(**{unit: amount})
