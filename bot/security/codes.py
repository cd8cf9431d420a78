"""Time-based one-time codes (RFC 6238, with pyotp): secrets, provisioning, checking a code.

A code is taken once: the time-step it belongs to must be later than the last one accepted,
so a code seen over someone's shoulder cannot be used again in the same half minute."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
from pyotp.exceptions import OTPVerificationError

ISSUER = "concernbot"
"""The name an authenticator app shows the codes under."""
VALID_WINDOW = 1
"""Time-steps either side of now a code may come from (phone clocks drift a little)."""
LOCK_AFTER = 5
"""Wrong codes in a row after which trying is locked."""
LOCK_FOR = timedelta(minutes=15)
"""How long trying stays locked."""


def new_secret() -> str:
    """A fresh random secret (base32, 160 bits)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` address an authenticator app takes the secret from."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def accepted_step(secret: str, code: str, at: datetime, last_step: int | None) -> int | None:
    """The time-step of ``code`` when it is right at ``at`` and newer than ``last_step``;
    None for a wrong code or one already used (or older than one used)."""
    typed = "".join(code.split())
    if len(typed) != 6 or not typed.isdigit():
        return None
    try:
        step = pyotp.TOTP(secret).verify_and_get_timecode(
            typed, for_time=at, valid_window=VALID_WINDOW
        )
    except OTPVerificationError:
        return None
    if last_step is not None and step <= last_step:
        return None
    return step


def is_replay(secret: str, code: str, at: datetime, last_step: int | None) -> bool:
    """True when ``code`` is right but of a time-step already used (for the access log)."""
    return (
        last_step is not None
        and accepted_step(secret, code, at, None) is not None
        and (accepted_step(secret, code, at, last_step) is None)
    )
