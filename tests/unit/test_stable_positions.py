"""Positional numbers are stable per action: an action that is not offered leaves its number
unused instead of shifting the others (the triage actions, the status menu)."""

from __future__ import annotations

import dataclasses

from adapters.console.chat import render, to_event
from bot.channels.events import Address, ChoiceMade, Sender
from bot.channels.replies import Choice, Reply, numbered
from bot.conversation.cards import triage_choices
from bot.conversation.dialog import DialogState
from bot.conversation.dialog import render as render_step
from bot.conversation.dialog.choices import match_option
from bot.domain.model import Status
from bot.i18n import translator
from dialogs.coordinator import STATUS
from tests.unit.test_model import concern

T = translator("en")
CARLA = Sender(Address("console", "carla"))


def menu(status: Status, **changes: object) -> str:
    """The console text of a concern's triage actions."""
    shown = dataclasses.replace(concern(status), **changes)  # type: ignore[arg-type]
    return render(Reply(CARLA.address, "K7Q-M3X", triage_choices(shown, T)))


def test_a_new_concern_numbers_its_actions_one_to_five() -> None:
    assert menu(Status.RECEIVED).splitlines()[1:] == [
        "  1) Acknowledge",
        "  2) Assign to me",
        "  3) View details",
        "  4) Ask reporter",
        "  5) Update status",
    ]


def test_an_acknowledged_concern_leaves_out_acknowledge_without_renumbering() -> None:
    assert menu(Status.ACKNOWLEDGED).splitlines()[1:] == [
        "  2) Assign to me",
        "  3) View details",
        "  4) Ask reporter",
        "  5) Update status",
    ]


def test_without_contact_ask_reporter_is_left_out_and_update_status_stays_five() -> None:
    lines = menu(Status.ACKNOWLEDGED, contact_allowed=False).splitlines()[1:]
    assert lines == ["  2) Assign to me", "  3) View details", "  5) Update status"]


def test_a_number_typed_picks_the_action_with_that_number_not_that_place() -> None:
    shown = Reply(CARLA.address, "K7Q-M3X", triage_choices(concern(Status.ACKNOWLEDGED), T))
    assert to_event("5", CARLA, shown) == ChoiceMade(CARLA, "act:status:K7Q-M3X")
    assert to_event("2", CARLA, shown) == ChoiceMade(CARLA, "act:assign:K7Q-M3X")
    assert not isinstance(to_event("1", CARLA, shown), ChoiceMade)


def status_menu(current: Status) -> list[tuple[int, str]]:
    """The status menu's (number, status) pairs for a concern that is ``current`` now."""
    state = DialogState(
        "set_status", "status", {"_reference": "K7Q-M3X", "_status": current.value}, "abc", 1
    )
    said = render_step(STATUS.dialog, state, T)
    return [(n, c.id) for n, c in numbered(said.choices)]


def test_each_status_keeps_its_number_whatever_the_current_status() -> None:
    assert status_menu(Status.RECEIVED) == [
        (1, "acknowledged"),
        (2, "in_analysis"),
        (3, "action_taken"),
        (4, "closed"),
    ]
    assert status_menu(Status.IN_ANALYSIS) == [(3, "action_taken"), (4, "closed")]


def test_the_dialog_engine_takes_a_typed_number_by_its_fixed_position() -> None:
    state = DialogState(
        "set_status", "status", {"_reference": "K7Q-M3X", "_status": "in_analysis"}, "abc", 1
    )
    step = STATUS.dialog.step("status")
    assert match_option(STATUS.dialog, state, step, "4", T) == "closed"
    assert match_option(STATUS.dialog, state, step, "1", T) is None


def test_choices_without_a_position_count_on_after_the_highest_number() -> None:
    choices = (Choice("a", "A", 2), Choice("b", "B", 5), Choice("done", "Done"))
    assert [n for n, _ in numbered(choices)] == [2, 5, 6]


def test_a_choice_keeps_its_position_through_the_outbox() -> None:
    reply = Reply(CARLA.address, "x", (Choice("act:ack:K7Q-M3X", "Acknowledge", 1),))
    again = Reply.from_payload(CARLA.address, reply.to_payload())
    assert again.choices == reply.choices
