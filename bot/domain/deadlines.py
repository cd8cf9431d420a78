"""When a concern must be acknowledged and when the reporter must hear back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DeadlineSettings:
    """How soon a concern must be acknowledged and the reporter hear back."""

    acknowledge_working_days: int = 2
    acute_acknowledge_minutes: int = 15
    feedback_days: int = 14


def add_working_days(start: datetime, days: int) -> datetime:
    """Return ``start`` plus ``days`` working days (Saturdays and Sundays skipped)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def acknowledge_due(created: datetime, acute: bool, settings: DeadlineSettings) -> datetime:
    """The moment by which a coordinator must acknowledge a new concern."""
    if acute:
        return created + timedelta(minutes=settings.acute_acknowledge_minutes)
    return add_working_days(created, settings.acknowledge_working_days)


def feedback_due(since: datetime, settings: DeadlineSettings) -> datetime:
    """The moment by which the reporter must hear back again."""
    return since + timedelta(days=settings.feedback_days)
