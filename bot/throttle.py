"""Abuse limits per sender: a token bucket, one warning, then silence while it refills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import LimitSettings
from bot.events import Address
from bot.i18n import N_
from bot.storage.uow import UnitOfWork

WARNING_WINDOW = timedelta(minutes=1)
SLOW_DOWN = N_(
    "You are sending messages faster than I can handle. I will ignore new messages for a "
    "short while; please wait a minute and try again."
)


@dataclass(frozen=True)
class Admission:
    """Whether to handle an event, and whether to warn the sender that they were throttled."""

    allowed: bool
    warn: bool = False


async def admit(
    uow: UnitOfWork, address: Address, now: datetime, limits: LimitSettings
) -> Admission:
    """Take a token for the sender; the first refusal in a minute warns, the rest are dropped."""
    key = f"rate:{address.channel}:{address.user_id}"
    rate = limits.messages_per_minute / 60
    if await uow.attempts.take_token(key, limits.messages_burst, rate, now):
        return Admission(True)
    refusals = await uow.attempts.hit(
        f"ratewarn:{address.channel}:{address.user_id}", WARNING_WINDOW, now
    )
    return Admission(False, warn=refusals == 1)
