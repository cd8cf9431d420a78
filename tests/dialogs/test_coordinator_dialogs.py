"""The coordinator's small dialogs (set status, ask the reporter) and the other short dialogs."""

from __future__ import annotations

import pytest

from bot.channels.events import (
    Address,
    ChoiceMade,
    CommandReceived,
    InboundEvent,
    Sender,
    TextReceived,
)
from bot.conversation.dialog import (
    SKIP,
    Answers,
    Dialog,
    DialogState,
    Said,
    Transition,
    advance,
    start,
)
from bot.domain.model import Outcome, Status
from bot.i18n import Translate, translator
from dialogs.coordinator import ASK, STATUS
from dialogs.reporter import ANSWER
from dialogs.settings import CHAT_HYGIENE, LANGUAGE

T: Translate = translator("en")
SENDER = Sender(Address("console", "coordinator"))
OPEN_STATUSES = [s for s in Status if s is not Status.CLOSED]


class Walk:
    """Someone going through a dialog with the pure engine."""

    def __init__(self, dialog: Dialog, answers: Answers) -> None:
        self.dialog = dialog
        self.last: Transition = start(dialog, "c0ffee", T, answers)
        assert self.last.state is not None
        self.state: DialogState = self.last.state

    def send(self, event: InboundEvent) -> Transition:
        """Apply one event; the state follows unless the dialog ended."""
        self.last = advance(self.dialog, self.state, event, T)
        if self.last.state is not None:
            self.state = self.last.state
        return self.last

    def choose(self, choice_id: str) -> Transition:
        """Tap a button on the latest message."""
        return self.send(ChoiceMade(SENDER, choice_id, self.state.nonce))

    def text(self, text: str) -> Transition:
        """Type a message."""
        return self.send(TextReceived(SENDER, text))

    @property
    def said(self) -> Said:
        """The one message of the latest transition."""
        assert len(self.last.said) == 1
        return self.last.said[0]


def status_walk(current: Status = Status.ACKNOWLEDGED) -> Walk:
    """Begin the set-status dialog for a concern whose status is ``current``."""
    return Walk(STATUS.dialog, {"_reference": "K7QX-2M", "_status": current.value})


# Set status


@pytest.mark.parametrize("current", OPEN_STATUSES)
def test_only_statuses_after_the_current_one_are_offered(current: Status) -> None:
    walk = status_walk(current)
    order = list(Status)
    expected = [s.value for s in order[order.index(current) + 1 :]]
    assert [c.id for c in walk.said.choices] == expected


def test_the_status_question_names_the_concern_and_its_current_status() -> None:
    walk = status_walk(Status.IN_ANALYSIS)
    assert walk.said.text == "K7QX-2M is now In analysis. Move it to:"
    assert [c.label for c in walk.said.choices] == ["Action taken", "Closed"]


@pytest.mark.parametrize("backwards", ["received", "acknowledged", "reopened"])
def test_a_status_that_is_not_forward_is_refused(backwards: str) -> None:
    walk = status_walk(Status.ACKNOWLEDGED)
    before = walk.state
    walk.choose(backwards)
    assert walk.state == before
    assert "not one of the options" in walk.said.text


def test_a_status_can_be_picked_by_typing_its_label() -> None:
    walk = status_walk(Status.RECEIVED)
    walk.text("in analysis")
    assert walk.state.answers["status"] == Status.IN_ANALYSIS.value


def test_closing_asks_for_an_outcome_before_the_note() -> None:
    walk = status_walk()
    walk.choose(Status.CLOSED.value)
    assert walk.state.step == "outcome"
    assert walk.said.text == "What was the outcome?"
    assert [c.id for c in walk.said.choices] == [o.value for o in Outcome]
    walk.choose(Outcome.REFERRED.value)
    assert walk.state.step == "note"


def test_a_status_other_than_closed_goes_straight_to_the_note() -> None:
    walk = status_walk()
    walk.choose(Status.IN_ANALYSIS.value)
    assert walk.state.step == "note"
    assert "without names" in walk.said.text


def test_the_note_can_be_skipped() -> None:
    walk = status_walk()
    walk.choose(Status.IN_ANALYSIS.value)
    assert [c.id for c in walk.said.choices] == [SKIP]
    walk.choose(SKIP)
    assert walk.state.step == "reason"
    assert walk.state.answers["note"] == ""
    walk.choose(SKIP)
    assert walk.state.step == "confirm"
    assert "Note for the reporter: (none)" in walk.said.text
    assert "Reason for colleagues: (none)" in walk.said.text


def test_the_reason_for_colleagues_is_asked_after_the_note_and_said_not_to_reach_the_reporter() -> (
    None
):
    walk = status_walk()
    walk.choose(Status.IN_ANALYSIS.value)
    walk.text("We are looking into it.")
    assert walk.state.step == "reason"
    assert "not sent to the reporter" in walk.said.text
    walk.text("Second signal from the same school this month.")
    assert walk.said.text.endswith(
        "Reason for colleagues: Second signal from the same school this month."
    )


def test_the_confirmation_shows_the_status_the_outcome_and_the_note() -> None:
    walk = status_walk()
    walk.choose(Status.CLOSED.value)
    walk.choose(Outcome.CASE_MEETING.value)
    walk.text("We discussed it with the partners; thank you for sharing.")
    walk.text("Agreed in the case meeting of 2 December.")
    assert walk.said.text == (
        "Set K7QX-2M to Closed?\n"
        "Outcome: Discussed in the network's case meeting\n"
        "Note for the reporter: We discussed it with the partners; thank you for sharing.\n"
        "Reason for colleagues: Agreed in the case meeting of 2 December."
    )


def test_confirming_no_cancels_and_the_status_is_not_changed() -> None:
    walk = status_walk()
    walk.choose(Status.IN_ANALYSIS.value)
    walk.choose(SKIP)
    walk.choose(SKIP)
    ended = walk.choose("no")
    assert ended.cancelled
    assert ended.state is None
    assert ended.completed is None
    assert ended.said == (Said("The status was not changed."),)


def test_confirming_yes_completes_with_status_outcome_and_note() -> None:
    walk = status_walk()
    walk.choose(Status.CLOSED.value)
    walk.choose(Outcome.ADVICE_GIVEN.value)
    walk.text("Advice given to the team.")
    walk.text("The school handles it.")
    done = walk.choose("yes")
    assert done.state is None
    assert done.completed == {
        "_reference": "K7QX-2M",
        "_status": "acknowledged",
        "status": "closed",
        "outcome": "advice_given",
        "note": "Advice given to the team.",
        "reason": "The school handles it.",
        "confirm": "yes",
    }


def test_an_outcome_chosen_before_going_back_to_a_non_closing_status_is_not_completed() -> None:
    walk = status_walk()
    walk.choose(Status.CLOSED.value)
    walk.choose(Outcome.REFERRED.value)
    walk.send(CommandReceived(SENDER, "back"))
    walk.send(CommandReceived(SENDER, "back"))
    assert walk.state.step == "status"
    walk.choose(Status.ACTION_TAKEN.value)
    walk.choose(SKIP)
    walk.choose(SKIP)
    done = walk.choose("yes")
    assert done.completed is not None
    assert "outcome" not in done.completed
    assert done.completed["status"] == "action_taken"


def test_help_in_the_status_dialog_explains_it() -> None:
    walk = status_walk()
    walk.send(CommandReceived(SENDER, "help"))
    assert walk.said.text.startswith("You are updating a concern's status.")


# Ask the reporter


def ask_walk() -> Walk:
    """Begin the ask-the-reporter dialog about one concern."""
    return Walk(ASK.dialog, {"_reference": "K7QX-2M"})


def test_ask_reporter_prompts_with_the_reference_and_promises_anonymity() -> None:
    walk = ask_walk()
    assert "reporter of K7QX-2M" in walk.said.text
    assert "without your name" in walk.said.text
    assert walk.said.choices == ()


def test_ask_reporter_completes_with_the_question_text() -> None:
    walk = ask_walk()
    done = walk.text("  Did this happen \u202ebefore the holidays?\u200b ")
    assert done.state is None
    assert done.completed == {
        "_reference": "K7QX-2M",
        "question": "Did this happen before the holidays?",
    }


def test_ask_reporter_refuses_an_empty_question() -> None:
    walk = ask_walk()
    before = walk.state
    walk.text("\u200b ")
    assert walk.state == before
    assert "empty" in walk.said.text


def test_ask_reporter_cancelled_sends_nothing() -> None:
    walk = ask_walk()
    ended = walk.send(CommandReceived(SENDER, "cancel"))
    assert ended.cancelled
    assert ended.said == (Said("Nothing was sent."),)


# The reporter's answer and personal settings


def test_the_reporters_answer_dialog_completes_with_the_answer_text() -> None:
    walk = Walk(ANSWER.dialog, {"_question": "17", "_reference": "K7QX-2M"})
    assert walk.said.text == "Type your answer to the question about K7QX-2M:"
    done = walk.text("Yes, twice before.")
    assert done.completed == {
        "_question": "17",
        "_reference": "K7QX-2M",
        "answer": "Yes, twice before.",
    }


@pytest.mark.parametrize(("typed", "language"), [("1", "nl"), ("English", "en"), ("en", "en")])
def test_the_language_dialog_takes_a_language_by_number_label_or_code(
    typed: str, language: str
) -> None:
    walk = Walk(LANGUAGE.dialog, {})
    done = walk.text(typed)
    assert done.completed == {"language": language}


def test_the_chat_hygiene_setting_completes_with_on_or_off() -> None:
    walk = Walk(CHAT_HYGIENE.dialog, {})
    assert [c.id for c in walk.said.choices] == ["on", "off"]
    done = walk.choose("off")
    assert done.completed == {"remove_messages": "off"}
