"""Reference codes: short, random, readable aloud, unrelated to database ids."""

from __future__ import annotations

import secrets

_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def new_reference() -> str:
    """A fresh code such as ``K7Q-M3X``."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{body[:3]}-{body[3:]}"


def normalise_reference(text: str) -> str:
    """Turn user input such as ``k7qm3x`` or ``K7Q M3X`` into ``K7Q-M3X``."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(compact) != 6:
        return text.strip().upper()
    return f"{compact[:3]}-{compact[3:]}"
