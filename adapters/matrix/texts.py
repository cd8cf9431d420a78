"""What the Matrix channel itself says (the core's replies have their own catalog)."""

from __future__ import annotations

from bot.i18n import N_

HELD_BACK = N_(
    "(You are in the middle of a question above, so the numbers you type answer that one. To use "
    "one of these options, reply to this message with its name, or type its name once the "
    "question is finished or stopped with /cancel.)"
)
"""Under choices shown without numbers because a dialog step is open (issue 17)."""

UNENCRYPTED = N_(
    "This room is not end-to-end encrypted. I only talk in an encrypted direct chat: start one "
    "with me with encryption on."
)
"""The one pointer sent in a room without encryption; nothing else there is processed."""

DEVICE_NOTE = N_(
    "This bot's Matrix session: {device}, with the fingerprint {fingerprint}.\n"
    "To check it in Element: open my profile, look at my sessions and compare the session ID "
    "and its fingerprint (session key) with these. The bot signs this session with its own "
    "cross-signing key."
)
"""Sent after the core's /privacy reply: the bot's device id and ed25519 fingerprint."""

UNVERIFIED_DEVICE = N_(
    "I did not send the details of {reference}: none of your Matrix sessions is verified. "
    "Verify this session (in Element: Settings → Sessions) and ask again."
)
"""Instead of a concern's details, to a user without a verified session (when required)."""

UNDECRYPTABLE = N_(
    "I could not read your last message: it reached me without its key. Please send it again."
)
"""When a message arrives that the bot cannot decrypt."""


def fingerprint(key: str) -> str:
    """An ed25519 key as Element shows a session key: in groups of four characters."""
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
