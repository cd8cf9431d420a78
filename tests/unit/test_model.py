"""The concern's life cycle: forward only, closing needs an outcome, deadlines make it overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.model import (
    STATUS_ORDER,
    Concern,
    DomainError,
    Mode,
    Network,
    Organisation,
    Outcome,
    Status,
)

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
COORDINATOR = 7
OTHER_COORDINATOR = 8


def concern(status: Status = Status.RECEIVED) -> Concern:
    """A concern shared at NOW, to be acknowledged within two days, fed back within 14."""
    made = Concern(
        id=1,
        reference="K7Q-M3X",
        network_id="demo",
        organisation_id="org",
        reporter_id=3,
        mode=Mode.SHARE,
        subject="person",
        age_band="16_17",
        setting="school",
        source="own_observation",
        urgency="week",
        acute=False,
        contact_allowed=True,
        identity_shown=False,
        actions_taken=(),
        facts="facts",
        interpretation="",
        counter_signals="",
        created_at=NOW,
        acknowledge_due=NOW + timedelta(days=2),
        feedback_due=NOW + timedelta(days=14),
    )
    for step in STATUS_ORDER[1 : STATUS_ORDER.index(status) + 1]:
        outcome = Outcome.ADVICE_GIVEN if step is Status.CLOSED else None
        made.move_to(step, COORDINATOR, NOW, outcome)
    return made


def test_statuses_are_ordered_from_received_to_closed() -> None:
    assert STATUS_ORDER == (
        Status.RECEIVED,
        Status.ACKNOWLEDGED,
        Status.IN_ANALYSIS,
        Status.ACTION_TAKEN,
        Status.CLOSED,
    )


def test_a_new_concern_is_received_open_and_without_history() -> None:
    fresh = concern()
    assert fresh.status is Status.RECEIVED
    assert fresh.is_open
    assert fresh.history == []
    assert fresh.next_statuses() == STATUS_ORDER[1:]


def test_acknowledging_records_who_and_when_and_assigns_them() -> None:
    fresh = concern()
    fresh.acknowledge(COORDINATOR, NOW + timedelta(hours=1))
    assert fresh.status is Status.ACKNOWLEDGED
    assert fresh.acknowledged_by == COORDINATOR
    assert fresh.acknowledged_at == NOW + timedelta(hours=1)
    assert fresh.assignee_id == COORDINATOR
    assert [c.status for c in fresh.history] == [Status.ACKNOWLEDGED]


def test_acknowledging_keeps_an_existing_assignee() -> None:
    fresh = concern()
    fresh.assign(OTHER_COORDINATOR)
    fresh.acknowledge(COORDINATOR, NOW)
    assert fresh.assignee_id == OTHER_COORDINATOR


def test_acknowledging_twice_is_refused() -> None:
    seen = concern(Status.ACKNOWLEDGED)
    with pytest.raises(DomainError, match="already_acknowledged"):
        seen.acknowledge(OTHER_COORDINATOR, NOW)
    assert seen.acknowledged_by == COORDINATOR
    assert len(seen.history) == 1


@pytest.mark.parametrize("current", STATUS_ORDER[:-1])
def test_a_concern_moves_forward_to_any_later_status(current: Status) -> None:
    for target in STATUS_ORDER[STATUS_ORDER.index(current) + 1 :]:
        moving = concern(current)
        outcome = Outcome.REFERRED if target is Status.CLOSED else None
        moving.move_to(target, COORDINATOR, NOW, outcome, "note")
        assert moving.status is target
        assert moving.history[-1].status is target
        assert moving.history[-1].note == "note"


@pytest.mark.parametrize("current", STATUS_ORDER)
def test_a_concern_never_moves_backwards_or_stays_put(current: Status) -> None:
    for target in STATUS_ORDER[: STATUS_ORDER.index(current) + 1]:
        stuck = concern(current)
        with pytest.raises(DomainError, match="invalid_transition"):
            stuck.move_to(target, COORDINATOR, NOW, Outcome.REFERRED)
        assert stuck.status is current


def test_closing_without_an_outcome_is_refused() -> None:
    open_one = concern(Status.ACTION_TAKEN)
    with pytest.raises(DomainError, match="outcome_required"):
        open_one.move_to(Status.CLOSED, COORDINATOR, NOW)
    assert open_one.status is Status.ACTION_TAKEN
    assert open_one.closed_at is None


def test_closing_records_the_outcome_and_the_moment() -> None:
    done = concern(Status.ACTION_TAKEN)
    done.move_to(Status.CLOSED, COORDINATOR, NOW + timedelta(days=3), Outcome.CASE_MEETING, "n")
    assert not done.is_open
    assert done.outcome is Outcome.CASE_MEETING
    assert done.closed_at == NOW + timedelta(days=3)
    assert done.history[-1].outcome is Outcome.CASE_MEETING
    assert done.next_statuses() == ()


def test_a_closed_concern_cannot_be_assigned() -> None:
    with pytest.raises(DomainError, match="closed"):
        concern(Status.CLOSED).assign(OTHER_COORDINATOR)


def test_skipping_acknowledgement_still_records_who_took_it_up() -> None:
    fresh = concern()
    fresh.move_to(Status.IN_ANALYSIS, COORDINATOR, NOW)
    assert fresh.acknowledged_by == COORDINATOR
    assert fresh.acknowledged_at == NOW
    assert fresh.assignee_id == COORDINATOR


def test_moving_to_acknowledged_is_the_same_as_acknowledging() -> None:
    fresh = concern()
    fresh.move_to(Status.ACKNOWLEDGED, COORDINATOR, NOW)
    assert fresh.acknowledged_by == COORDINATOR
    assert [c.status for c in fresh.history] == [Status.ACKNOWLEDGED]


def test_a_received_concern_is_overdue_after_its_acknowledgement_deadline() -> None:
    fresh = concern()
    assert not fresh.is_overdue(NOW + timedelta(days=2))
    assert fresh.is_overdue(NOW + timedelta(days=2, seconds=1))


def test_an_acknowledged_concern_is_overdue_only_after_its_feedback_deadline() -> None:
    seen = concern(Status.ACKNOWLEDGED)
    assert not seen.is_overdue(NOW + timedelta(days=3))
    assert seen.is_overdue(NOW + timedelta(days=14, seconds=1))


def test_feedback_moves_the_feedback_deadline() -> None:
    seen = concern(Status.IN_ANALYSIS)
    seen.note_feedback(NOW + timedelta(days=13), NOW + timedelta(days=27))
    assert seen.last_feedback_at == NOW + timedelta(days=13)
    assert not seen.is_overdue(NOW + timedelta(days=20))


def test_a_closed_concern_is_never_overdue() -> None:
    assert not concern(Status.CLOSED).is_overdue(NOW + timedelta(days=400))


def test_a_network_finds_its_organisations_and_refuses_unknown_ones() -> None:
    network = Network("demo", "Demo", (Organisation("a", "A"), Organisation("b", "B")))
    assert network.organisation("b").name == "B"
    with pytest.raises(DomainError, match="unknown_organisation"):
        network.organisation("c")
