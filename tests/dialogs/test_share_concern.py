"""The share-a-concern dialog, walked with the pure engine (no database, no channel)."""

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
from bot.conversation.dialog import DONE, SKIP, DialogState, Kind, Said, Transition, advance, start
from bot.i18n import Translate, translator
from dialogs.share_concern import DIALOG

T: Translate = translator("en")
SENDER = Sender(Address("console", "reporter"))
CONTEXT = {"_retention_days": "365", "_ack_days": "2", "_feedback_days": "14"}
FACTS = "He repeated a slogan from a banned group twice in class this week."
ALL_STEPS = [step.key for step in DIALOG.steps if step.key != "area"]
"""Every step the default walk visits ("area" is asked only in a network with areas:
tests/dialogs/test_share_area.py)."""
CHOICE_STEPS = [s.key for s in DIALOG.steps if s.kind in (Kind.CHOICE, Kind.MULTI)]
CHOICE_STEPS.remove("area")
PER_PART = "The slogan: I heard it myself; the video: a colleague showed it to me."
QUESTIONS_ABOUT_THE_YOUNG_PERSON = ("How old", "Is it about one young person", "in your own words")


class Walk:
    """A reporter going through the dialog; keeps every state and message."""

    def __init__(self) -> None:
        begun = start(DIALOG, "f00d", T, CONTEXT)
        assert begun.state is not None
        self.state: DialogState = begun.state
        self.last: Transition = begun
        self.visited = [self.state.step]

    def send(self, event: InboundEvent) -> Transition:
        """Apply one event; the state follows unless the dialog ended."""
        self.last = advance(DIALOG, self.state, event, T)
        if self.last.state is not None:
            self.state = self.last.state
            if self.visited[-1] != self.state.step:
                self.visited.append(self.state.step)
        return self.last

    def choose(self, choice_id: str) -> Transition:
        """Tap a button on the latest message."""
        return self.send(ChoiceMade(SENDER, choice_id, self.state.nonce))

    def text(self, text: str) -> Transition:
        """Type a message."""
        return self.send(TextReceived(SENDER, text))

    def command(self, name: str) -> Transition:
        """Give a command."""
        return self.send(CommandReceived(SENDER, name))

    @property
    def said(self) -> Said:
        """The one message of the latest transition."""
        assert len(self.last.said) == 1
        return self.last.said[0]

    @property
    def labels(self) -> list[str]:
        """The labels of the choices on the latest message."""
        return [c.label for c in self.said.choices]


# How the default walk answers each step.
def _answer(walk: Walk, key: str, danger: bool) -> None:
    simple = {
        "privacy": "continue",
        "subject": "person",
        "age_band": "16_17",
        "setting": "school",
        "frequency": "several",
        "informed": "not_yet",
        "source": "several",  # so that the default walk also asks which part is from which
        "urgency": "week",
        "contact": "yes",
        "identity": "pseudonym",
        "edit_pick": "facts_edit",
    }
    if key == "safety":
        walk.choose("yes" if danger else "no")
    elif key == "facts":
        walk.text(FACTS)
        walk.text("He also shared a propaganda video in the class chat.")
        walk.choose(DONE)
    elif key == "sources_detail":
        walk.text(PER_PART)
    elif key == "interpretation":
        walk.text("I think he is looking for belonging.")
    elif key == "counter_signals":
        walk.choose(SKIP)
    elif key == "actions_taken":
        walk.choose("talked_colleague")
        walk.choose("talked_young_person")
        walk.choose(DONE)
    elif key == "summary":
        walk.choose("edit")
    else:
        walk.choose(simple[key])


def walk_to(key: str, danger: bool = False) -> Walk:
    """Start the dialog and answer along the default path until ``key`` is asked."""
    walk = Walk()
    while walk.state.step != key:
        before = walk.state.step
        _answer(walk, before, danger)
        assert walk.state.step != before, f"stuck at {before}"
    return walk


def test_every_step_can_be_reached_by_the_default_walk() -> None:
    walk = walk_to("edit_pick")
    walk.choose("facts_edit")
    assert walk.visited == ALL_STEPS


# Purpose, privacy and safety come first


def test_the_first_message_states_purpose_and_privacy_and_asks_about_danger() -> None:
    begun = start(DIALOG, "f00d", T, CONTEXT)
    assert begun.state is not None
    assert begun.state.step == "safety"
    (first,) = begun.said
    text = first.text
    assert "share a worry about a young person" in text
    assert text.endswith("is anyone in immediate danger right now?")
    assert [c.id for c in first.choices] == ["yes", "no"]
    assert first.nonce == begun.state.nonce
    for question in QUESTIONS_ABOUT_THE_YOUNG_PERSON:
        assert question not in text


def test_the_privacy_terms_come_before_any_question_about_the_young_person() -> None:
    walk = Walk()
    walk.choose("no")
    text = walk.said.text
    assert walk.state.step == "privacy"
    assert "Stored encrypted" in text
    assert "read only by your network's coordinators" in text
    assert "logged" in text
    assert "then 365 more days" in text
    assert "Use no names" in text
    assert "/privacy" in text
    assert "Call 112" not in text
    for question in QUESTIONS_ABOUT_THE_YOUNG_PERSON:
        assert question not in text
    assert ALL_STEPS.index("privacy") < ALL_STEPS.index("subject")


def test_stopping_at_the_privacy_terms_cancels_and_stores_nothing() -> None:
    walk = walk_to("privacy")
    ended = walk.choose("stop")
    assert ended.cancelled
    assert ended.state is None
    assert ended.completed is None
    assert "Nothing was stored or shared" in ended.said[0].text


def test_danger_makes_the_next_message_say_answers_are_added_to_the_alert() -> None:
    # The acute flow says "call 112" and that the alert went out before this (test_acute.py);
    # the dialog's own text must not promise the alert again as something still to come.
    walk = Walk()
    walk.choose("yes")
    assert walk.state.step == "privacy"
    assert walk.said.text.startswith("Continue here when you can")
    assert "will be" not in walk.said.text


def test_danger_skips_the_urgency_question_and_makes_the_concern_acute() -> None:
    walk = walk_to("informed", danger=True)
    walk.choose("not_yet")
    assert walk.state.step == "identity"
    assert "urgency" not in walk.visited
    walk.choose("name")
    assert "Urgency: Acute: someone is in danger" in walk.said.text
    done = walk.choose("confirm")
    assert done.completed is not None
    assert done.completed["safety"] == "yes"
    assert "urgency" not in done.completed


def test_without_danger_acute_is_not_among_the_urgencies_offered() -> None:
    walk = walk_to("urgency")
    assert [c.id for c in walk.said.choices] == ["soon", "week", "no_rush"]


# The summary


def test_an_acute_summary_does_not_claim_the_account_is_not_shared_yet() -> None:
    # Each answer of an acute intake already went to the alert (bot/usecases/acute.py).
    walk = walk_to("summary", danger=True)
    assert "before it is shared" not in walk.said.text
    assert walk.said.text.startswith("The coordinator already has this account")


def test_the_summary_lists_every_answer() -> None:
    walk = walk_to("summary")
    text = walk.said.text
    assert text.startswith("Please check your account before it is shared:")
    for line in [
        "About: One young person",
        "Age: 16 or 17",
        "Setting: School",
        f"What you observed:\n{FACTS}\nHe also shared a propaganda video in the class chat.",
        "Source: Different sources for different parts",
        f"Source per part: {PER_PART}",
        "Your interpretation: I think he is looking for belonging.",
        "Signals pointing the other way: (none)",
        "Already done: Talked with a colleague, Talked with the young person",
        "Urgency: This week",
        "The coordinator may contact you: yes",
        "Your name is shown: no, pseudonymous",
    ]:
        assert line in text
    assert [c.id for c in walk.said.choices] == ["confirm", "edit", "discard"]


def test_confirming_the_summary_completes_with_the_answers_on_the_path() -> None:
    walk = walk_to("summary")
    done = walk.choose("confirm")
    assert done.state is None
    assert done.completed == {
        **CONTEXT,
        "safety": "no",
        "privacy": "continue",
        "facts": [FACTS, "He also shared a propaganda video in the class chat."],
        "source": "several",
        "sources_detail": PER_PART,
        "interpretation": "I think he is looking for belonging.",
        "counter_signals": "",
        "subject": "person",
        "age_band": "16_17",
        "setting": "school",
        "frequency": "several",
        "actions_taken": ["talked_colleague", "talked_young_person"],
        "informed": "not_yet",
        "urgency": "week",
        "contact": "yes",
        "identity": "pseudonym",
        "summary": "confirm",
    }


def test_discarding_the_summary_cancels_and_stores_nothing() -> None:
    walk = walk_to("summary")
    ended = walk.choose("discard")
    assert ended.cancelled
    assert ended.state is None
    assert ended.completed is None
    assert ended.said == (Said("Stopped. Nothing was stored or shared. Start again with /new."),)


def test_the_parts_offered_for_change_follow_the_path_taken() -> None:
    share = walk_to("edit_pick")
    assert "urgency" in [c.id for c in share.said.choices]
    assert "identity" in [c.id for c in share.said.choices]
    danger = walk_to("edit_pick", danger=True)
    ids = [c.id for c in danger.said.choices]
    assert "urgency" not in ids
    assert "mode" not in ids
    assert "contact" not in ids
    assert "safety" not in ids
    assert "privacy" not in ids


def test_replacing_the_facts_drops_the_old_facts_and_returns_to_the_summary() -> None:
    walk = walk_to("edit_pick")
    walk.choose("facts_edit")
    walk.choose("replace")
    assert walk.state.step == "facts"
    walk.text("She drew a symbol of a banned group on her notebook.")
    walk.choose(DONE)
    assert walk.state.step == "summary"
    assert "She drew a symbol" in walk.said.text
    assert FACTS not in walk.said.text
    done = walk.choose("confirm")
    assert done.completed is not None
    assert done.completed["facts"] == ["She drew a symbol of a banned group on her notebook."]
    assert done.completed["source"] == "several"


def test_going_back_from_changing_the_facts_keeps_the_old_facts() -> None:
    walk = walk_to("edit_pick")
    walk.choose("facts_edit")
    walk.choose("replace")
    walk.command("back")
    assert walk.state.step == "summary"
    assert FACTS in walk.said.text
    done = walk.choose("confirm")
    assert done.completed is not None
    assert done.completed["facts"][0] == FACTS


def test_done_without_writing_new_facts_keeps_the_old_facts() -> None:
    walk = walk_to("edit_pick")
    walk.choose("facts_edit")
    walk.choose("replace")
    walk.choose(DONE)
    assert walk.state.step == "summary"
    assert FACTS in walk.said.text


def test_changing_the_actions_taken_toggles_from_the_earlier_picks() -> None:
    walk = walk_to("edit_pick")
    walk.choose("actions_taken")
    assert "✓ Talked with a colleague" in walk.labels
    walk.choose("talked_colleague")
    walk.choose(DONE)
    assert walk.state.step == "summary"
    assert "Already done: Talked with the young person" in walk.said.text


# Navigation and bad input at every step


@pytest.mark.parametrize("key", ALL_STEPS)
def test_back_works_at_every_step(key: str) -> None:
    walk = walk_to(key)
    before = walk.state
    back = walk.command("back")
    assert back.state is not None
    if key == "safety":
        assert back.state == before
        assert "nothing to go back to" in walk.said.text
    else:
        assert back.state.step == _previous(key)
        assert back.state.nonce != before.nonce
        assert back.state.answers == before.answers


def _previous(key: str) -> str:
    if key == "facts_edit":
        return "summary"  # /back in a change returns to the summary
    return ALL_STEPS[ALL_STEPS.index(key) - 1]


@pytest.mark.parametrize("key", ALL_STEPS)
def test_help_works_at_every_step(key: str) -> None:
    walk = walk_to(key)
    before = walk.state
    shown = walk.said.text
    helped = walk.command("help")
    assert helped.state == before
    assert walk.said.text.startswith("You are sharing a concern.")
    assert "/back" in walk.said.text
    assert "/cancel" in walk.said.text
    assert walk.said.text.endswith(shown.split("\n\n")[-1])


@pytest.mark.parametrize("key", ALL_STEPS)
def test_cancel_works_at_every_step(key: str) -> None:
    walk = walk_to(key)
    ended = walk.command("cancel")
    assert ended.state is None
    assert ended.cancelled
    assert ended.completed is None
    assert ended.said == (Said("Stopped. Nothing was stored or shared. Start again with /new."),)


@pytest.mark.parametrize("key", ALL_STEPS)
def test_an_unknown_command_at_every_step_is_left_to_the_caller(key: str) -> None:
    walk = walk_to(key)
    before = walk.state
    transition = walk.command("xyz")
    assert transition.unhandled
    assert transition.state == before


@pytest.mark.parametrize("key", ALL_STEPS)
def test_a_choice_not_offered_at_any_step_gets_a_clear_answer(key: str) -> None:
    walk = walk_to(key)
    before = walk.state
    walk.choose("not-an-option")
    assert walk.state == before
    assert walk.said.text.startswith("That is not one of the options. Please pick one below.")


@pytest.mark.parametrize("key", CHOICE_STEPS)
def test_typed_text_that_is_no_option_at_a_choice_step_gets_a_clear_answer(key: str) -> None:
    walk = walk_to(key)
    before = walk.state
    walk.text("Maybe, I am not sure about this one.")
    assert walk.state == before
    assert "Please pick one of the options below" in walk.said.text
    assert walk.said.choices


@pytest.mark.parametrize("key", ALL_STEPS)
def test_an_expired_choice_at_every_step_changes_nothing(key: str) -> None:
    walk = walk_to(key)
    before = walk.state
    walk.send(ChoiceMade(SENDER, "yes", "f00d.0"))
    assert walk.state == before
    assert "expired" in walk.said.text


@pytest.mark.parametrize("key", ALL_STEPS)
def test_the_state_at_every_step_survives_a_json_round_trip(key: str) -> None:
    walk = walk_to(key)
    assert DialogState.from_json(walk.state.to_json()) == walk.state


def test_a_message_of_50000_characters_in_the_facts_is_refused() -> None:
    walk = walk_to("facts")
    before = walk.state
    walk.text("x" * 50_000)
    assert walk.state == before
    assert "that message (50000 characters) would take this answer past" in walk.said.text


def test_bidi_and_zero_width_characters_never_reach_the_facts() -> None:
    walk = walk_to("facts")
    walk.text("\u202eHe said\u200b it\u2066 twice\u0000.")
    assert walk.state.answers["facts"] == ["He said it twice."]
