"""Deadlines: working days for a normal concern, minutes for an acute one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.deadlines import acknowledge_due, add_working_days, feedback_due
from bot.settings import DeadlineSettings

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SETTINGS = DeadlineSettings(
    acknowledge_working_days=2, acute_acknowledge_minutes=15, feedback_days=14
)


def day(offset: int) -> datetime:
    """``offset`` calendar days after Monday 30 November 2026, 09:00 UTC."""
    return MONDAY + timedelta(days=offset)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (day(0), 1, day(1)),  # Monday + 1 → Tuesday
        (day(0), 2, day(2)),  # Monday + 2 → Wednesday
        (day(0), 5, day(7)),  # Monday + 5 → next Monday
        (day(3), 1, day(4)),  # Thursday + 1 → Friday
        (day(3), 2, day(7)),  # Thursday + 2 → Monday, over the weekend
        (day(4), 1, day(7)),  # Friday + 1 → Monday
        (day(4), 2, day(8)),  # Friday + 2 → Tuesday
        (day(5), 1, day(7)),  # Saturday + 1 → Monday
        (day(6), 1, day(7)),  # Sunday + 1 → Monday
        (day(6), 2, day(8)),  # Sunday + 2 → Tuesday
        (day(0), 10, day(14)),  # two full weeks
    ],
)
def test_working_days_skip_saturdays_and_sundays(
    start: datetime, days: int, expected: datetime
) -> None:
    assert add_working_days(start, days) == expected


def test_adding_working_days_keeps_the_time_of_day() -> None:
    start = datetime(2026, 12, 4, 16, 45, tzinfo=UTC)  # a Friday afternoon
    assert add_working_days(start, 1) == datetime(2026, 12, 7, 16, 45, tzinfo=UTC)


def test_no_working_days_is_the_start_itself() -> None:
    assert add_working_days(day(5), 0) == day(5)


@pytest.mark.parametrize("offset", range(7))
def test_a_normal_concern_is_due_on_a_weekday(offset: int) -> None:
    due = acknowledge_due(day(offset), urgency=False, settings=SETTINGS)
    assert due.weekday() < 5
    assert due > day(offset)


def test_a_normal_concern_shared_on_thursday_is_due_on_monday() -> None:
    assert acknowledge_due(day(3), urgency=False, settings=SETTINGS) == day(7)


def test_an_acute_concern_must_be_acknowledged_within_minutes_even_at_the_weekend() -> None:
    saturday_night = datetime(2026, 12, 5, 23, 50, tzinfo=UTC)
    due = acknowledge_due(saturday_night, urgency=True, settings=SETTINGS)
    assert due == saturday_night + timedelta(minutes=15)


def test_the_acute_deadline_follows_the_configuration() -> None:
    settings = DeadlineSettings(acute_acknowledge_minutes=5)
    assert acknowledge_due(MONDAY, urgency=True, settings=settings) == MONDAY + timedelta(minutes=5)


def test_feedback_is_due_in_calendar_days() -> None:
    assert feedback_due(MONDAY, SETTINGS) == day(14)
    assert feedback_due(day(5), DeadlineSettings(feedback_days=3)) == day(8)


@pytest.mark.parametrize(
    ("urgency", "due"), [("soon", day(1)), ("week", day(3)), ("no_rush", day(7))]
)
def test_urgency_drives_the_acknowledgement_deadline(urgency: str, due: datetime) -> None:
    # Monday: a day or two is due Tuesday, this week Thursday, no rush the next Monday.
    assert acknowledge_due(MONDAY, urgency, DeadlineSettings()) == due


def test_each_urgency_has_its_own_setting() -> None:
    settings = DeadlineSettings(soon_working_days=2, week_working_days=4, no_rush_working_days=9)
    assert acknowledge_due(MONDAY, "soon", settings) == day(2)
    assert acknowledge_due(MONDAY, "week", settings) == day(4)
    assert acknowledge_due(MONDAY, "no_rush", settings) == day(11)
    assert acknowledge_due(MONDAY, "acute", settings) == MONDAY + timedelta(minutes=15)
