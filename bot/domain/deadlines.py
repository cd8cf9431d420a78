"""When a concern must be acknowledged and when the reporter must hear back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DeadlineSettings:
    """How soon a concern must be acknowledged and the reporter hear back."""

    acknowledge_working_days: int = 2
    """For a concern without a known urgency (and what the privacy text promises at most)."""
    acute_acknowledge_minutes: int = 15
    feedback_days: int = 14
    soon_working_days: int = 1
    """Urgency "within a day or two"."""
    week_working_days: int = 3
    """Urgency "this week"."""
    no_rush_working_days: int = 5
    """Urgency "no rush"."""

    def working_days(self, urgency: str) -> int:
        """The working days a coordinator has to acknowledge a concern of this urgency."""
        return {
            "soon": self.soon_working_days,
            "week": self.week_working_days,
            "no_rush": self.no_rush_working_days,
        }.get(urgency, self.acknowledge_working_days)

    def longest_working_days(self) -> int:
        """The most working days any urgency gets: what a promise "at the latest" may say."""
        return max(self.working_days(u) for u in ("", "soon", "week", "no_rush"))


def add_working_days(start: datetime, days: int) -> datetime:
    """Return ``start`` plus ``days`` working days (Saturdays and Sundays skipped)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def acknowledge_due(created: datetime, urgency: str | bool, settings: DeadlineSettings) -> datetime:
    """The moment by which a coordinator must acknowledge a new concern of ``urgency`` (an
    urgency key such as ``"week"``; True means acute, False an urgency not known)."""
    if urgency is True or urgency == "acute":
        return created + timedelta(minutes=settings.acute_acknowledge_minutes)
    return add_working_days(created, settings.working_days(str(urgency) if urgency else ""))


def feedback_due(since: datetime, settings: DeadlineSettings) -> datetime:
    """The moment by which the reporter must hear back again."""
    return since + timedelta(days=settings.feedback_days)
