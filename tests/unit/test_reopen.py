"""Reopening a closed concern: back to analysis with a new feedback deadline; the closing step
and its outcome stay in the history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.model import DomainError, Outcome, Status
from bot.domain.reopen import reopen
from tests.unit.test_model import COORDINATOR, NOW, OTHER_COORDINATOR, concern

LATER = NOW + timedelta(days=20)
DUE = LATER + timedelta(days=14)


def test_a_reopened_concern_is_in_analysis_without_outcome_or_closing_moment() -> None:
    closed = concern(Status.CLOSED)
    reopen(closed, OTHER_COORDINATOR, LATER, DUE)
    assert closed.status is Status.IN_ANALYSIS
    assert closed.is_open
    assert closed.outcome is None
    assert closed.closed_at is None
    assert closed.feedback_due == DUE


def test_the_old_outcome_stays_in_the_history_and_the_reopening_is_its_last_step() -> None:
    closed = concern(Status.CLOSED)
    reopen(closed, OTHER_COORDINATOR, LATER, DUE)
    *_, was_closed, again = closed.history
    assert (was_closed.status, was_closed.outcome, was_closed.by_member_id) == (
        Status.CLOSED,
        Outcome.ADVICE_GIVEN,
        COORDINATOR,
    )
    assert (again.status, again.at, again.by_member_id) == (
        Status.IN_ANALYSIS,
        LATER,
        OTHER_COORDINATOR,
    )


def test_a_reopened_concern_moves_on_and_closes_again() -> None:
    closed = concern(Status.CLOSED)
    reopen(closed, OTHER_COORDINATOR, LATER, DUE)
    assert closed.next_statuses() == (Status.ACTION_TAKEN, Status.CLOSED)
    closed.move_to(Status.CLOSED, OTHER_COORDINATOR, DUE, Outcome.REFERRED)
    assert closed.outcome is Outcome.REFERRED


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.CLOSED])
def test_only_a_closed_concern_can_be_reopened(status: Status) -> None:
    open_one = concern(status)
    with pytest.raises(DomainError):
        reopen(open_one, OTHER_COORDINATOR, LATER, DUE)
    assert open_one.status is status
