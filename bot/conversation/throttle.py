"""Abuse limits per sender: a token bucket, one warning, then silence while it refills."""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.channels.events import Address
from bot.i18n import N_
from bot.settings import LimitSettings
from bot.storage.uow import UnitOfWork

WARNING_WINDOW = timedelta(minutes=1)
SLOW_DOWN = N_(
    "You are sending messages faster than I can handle. I will ignore new messages for a "
    "short while; please wait a minute and try again."
)
QUEUED_AT: ContextVar[float | None] = ContextVar("queued_at", default=None)
"""When (``time.monotonic``) a channel queued the event in hand behind its chat's earlier ones."""


@dataclass(frozen=True)
class Admission:
    """Whether to handle an event, and whether to warn the sender that they were throttled."""

    allowed: bool
    warn: bool = False


def arrival(now: datetime) -> datetime:
    """When the event in hand arrived: ``now`` less the time it waited in its chat's queue.

    A flooder's turns run one after another, each waiting for Telegram's per-chat send limit;
    judged by the time each turn comes, they would seem to come at that slow pace and be let
    through long after the burst was spent."""
    queued = QUEUED_AT.get()
    if queued is None:
        return now
    return now - timedelta(seconds=max(time.monotonic() - queued, 0.0))


async def admit(
    uow: UnitOfWork, address: Address, now: datetime, limits: LimitSettings
) -> Admission:
    """Take a token for the sender at the event's arrival; the first refusal in a minute
    warns, the rest are dropped."""
    at = arrival(now)
    key = f"rate:{address.channel}:{address.user_id}"
    rate = limits.messages_per_minute / 60
    if await uow.attempts.take_token(key, limits.messages_burst, rate, at):
        return Admission(True)
    refusals = await uow.attempts.hit(
        f"ratewarn:{address.channel}:{address.user_id}", WARNING_WINDOW, at
    )
    return Admission(False, warn=refusals == 1)
