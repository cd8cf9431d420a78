"""The pure dialog engine, driven through small hand-made dialogs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.channels.events import (
    Address,
    ChoiceMade,
    CommandReceived,
    FormSubmitted,
    InboundEvent,
    Sender,
    TextReceived,
    UnsupportedReceived,
)
from bot.channels.replies import Choice
from bot.conversation.dialog import (
    CANCEL,
    DONE,
    END,
    SKIP,
    Answers,
    Dialog,
    DialogState,
    Kind,
    Option,
    Said,
    Step,
    Transition,
    advance,
    start,
)
from bot.conversation.text import MAX_ACCOUNT_CHARS, MAX_MESSAGE_CHARS
from bot.i18n import N_, Translate, translator

T: Translate = translator("en")
SENDER = Sender(Address("console", "someone"))


def _after_colour(answers: Answers) -> str:
    return "shade" if answers.get("colour") == "red" else "sky"


def _after_confirm(answers: Answers) -> str:
    return {"yes": END, "edit": "edit_pick", "no": CANCEL}[str(answers["summary"])]


def _summary(answers: Answers, t: Translate) -> str:
    return f"Pet: {answers.get('pet')}. Notes: {answers.get('notes')}. Name: {answers.get('name')}."


COLOURS = (Option("red", N_("Red")), Option("blue", N_("Deep Blue")))
EXTRAS = (Option("apples", N_("Apples")), Option("pears", N_("Pears")))

BRANCHING = Dialog(
    name="branching",
    first="colour",
    help=N_("You are answering questions about colours."),
    cancelled=N_("Stopped; nothing kept."),
    steps=(
        Step("colour", N_("Which colour?"), options=COLOURS, next=_after_colour),
        Step("shade", N_("Which shade of red?"), kind=Kind.TEXT, next="story"),
        Step("sky", N_("Describe the sky."), kind=Kind.TEXT, skippable=True, next="story"),
        Step("story", N_("Tell the story."), kind=Kind.LONG_TEXT, next="extras"),
        Step("extras", N_("Pick extras."), kind=Kind.MULTI, options=EXTRAS, next=END),
    ),
)

EDITABLE = Dialog(
    name="editable",
    first="pet",
    summary="summary",
    help=N_("You are describing a pet."),
    steps=(
        Step(
            "pet",
            N_("Which pet?"),
            options=(Option("cat", N_("Cat")), Option("dog", N_("Dog"))),
            next="notes",
        ),
        Step("notes", N_("Notes about it?"), kind=Kind.LONG_TEXT, next="name"),
        Step("name", N_("Its name?"), kind=Kind.TEXT, next="summary"),
        Step(
            "summary",
            _summary,
            options=(
                Option("yes", N_("Keep it")),
                Option("edit", N_("Change a part")),
                Option("no", N_("Throw it away")),
            ),
            next=_after_confirm,
        ),
        Step(
            "edit_pick",
            N_("Which part?"),
            options=(
                Option("pet", N_("Pet")),
                Option("notes", N_("Notes")),
                Option("name", N_("Name")),
            ),
            picks_step_to_edit=True,
            next="summary",
        ),
    ),
)


class Walk:
    """Feeds events to the engine and keeps the latest state."""

    def __init__(self, dialog: Dialog, answers: Answers | None = None) -> None:
        self.dialog = dialog
        self.last = start(dialog, "abc123", T, answers)
        assert self.last.state is not None
        self.state: DialogState = self.last.state

    def send(self, event: InboundEvent) -> Transition:
        """Apply ``event``; the state follows unless the dialog ended."""
        self.last = advance(self.dialog, self.state, event, T)
        if self.last.state is not None:
            self.state = self.last.state
        return self.last

    def text(self, text: str, message_id: str | None = None) -> Transition:
        """The member types ``text``."""
        return self.send(TextReceived(SENDER, text, message_id=message_id))

    def choose(self, choice_id: str) -> Transition:
        """The member taps the button ``choice_id`` on the latest message."""
        return self.send(ChoiceMade(SENDER, choice_id, self.state.nonce))

    def command(self, name: str) -> Transition:
        """The member gives ``/name``."""
        return self.send(CommandReceived(SENDER, name))

    @property
    def said(self) -> Said:
        """The one message of the latest transition."""
        assert len(self.last.said) == 1
        return self.last.said[0]


def _ids(said: Said) -> list[str]:
    return [choice.id for choice in said.choices]


def _at_extras() -> Walk:
    walk = Walk(BRANCHING)
    walk.choose("blue")
    walk.choose(SKIP)
    walk.text("Once upon a time.")
    walk.choose(DONE)
    assert walk.state.step == "extras"
    return walk


# Start and choices


def test_start_renders_the_first_step_with_its_choices_and_the_nonce() -> None:
    begun = start(BRANCHING, "abc123", T)
    assert begun.state is not None
    assert begun.state.step == "colour"
    choices = (Choice("red", "Red"), Choice("blue", "Deep Blue"))
    assert begun.said == (Said("Which colour?", choices, begun.state.nonce),)
    assert begun.state.nonce.startswith("abc123.")


def test_start_keeps_the_initial_answers_it_is_given() -> None:
    begun = start(BRANCHING, "abc123", T, {"_context": "42"})
    assert begun.state is not None
    assert begun.state.answers == {"_context": "42"}


def test_a_step_without_choices_still_carries_its_nonce_so_a_channel_knows_it_is_open() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    assert walk.said.text == "Which shade of red?"
    assert walk.said.choices == ()
    assert walk.said.nonce == walk.state.nonce


def test_a_choice_is_taken_by_its_id() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    assert walk.state.answers["colour"] == "red"
    assert walk.state.step == "shade"


def test_a_choice_is_taken_by_its_number_typed_as_text() -> None:
    walk = Walk(BRANCHING)
    walk.text(" 2 ")
    assert walk.state.answers["colour"] == "blue"
    assert walk.state.step == "sky"


@pytest.mark.parametrize("typed", ["deep blue", "DEEP BLUE", "  Deep Blue ", "blue", "BLUE"])
def test_a_choice_is_taken_by_its_label_or_id_typed_in_any_case(typed: str) -> None:
    walk = Walk(BRANCHING)
    walk.text(typed)
    assert walk.state.answers["colour"] == "blue"


def test_a_choice_without_a_nonce_is_refused_as_not_from_the_open_step() -> None:
    walk = Walk(BRANCHING)
    walk.send(ChoiceMade(SENDER, "red", None))
    assert walk.state.step == "colour"
    assert walk.said.text.startswith("That question has expired")


def test_the_nonce_changes_whenever_the_step_changes() -> None:
    walk = Walk(BRANCHING)
    seen = {walk.state.nonce}
    walk.choose("blue")
    seen.add(walk.state.nonce)
    walk.choose(SKIP)
    seen.add(walk.state.nonce)
    walk.command("back")
    seen.add(walk.state.nonce)
    assert len(seen) == 4


def test_a_choice_that_is_not_offered_gets_a_clear_answer_and_changes_nothing() -> None:
    walk = Walk(BRANCHING)
    before = walk.state
    walk.choose("green")
    assert walk.state == before
    assert "not one of the options" in walk.said.text
    assert _ids(walk.said) == ["red", "blue"]
    assert walk.said.text.endswith("Which colour?")


@pytest.mark.parametrize(
    "typed", ["0", "3", "-1", "purple", "²", "1" * 5000, "١٢", "９", "1.0", "red blue"]
)
def test_typed_text_that_matches_no_choice_gets_a_clear_answer_and_changes_nothing(
    typed: str,
) -> None:
    walk = Walk(BRANCHING)
    before = walk.state
    walk.text(typed)
    assert walk.state == before
    assert "Please pick one of the options" in walk.said.text


def test_a_number_in_other_decimal_digits_picks_the_choice_it_names() -> None:
    walk = Walk(BRANCHING)
    walk.text("٢")  # Arabic-Indic two
    assert walk.state.answers["colour"] == "blue"


def test_a_choice_from_an_earlier_step_is_answered_as_expired() -> None:
    walk = Walk(BRANCHING)
    old_nonce = walk.state.nonce
    walk.choose("blue")
    before = walk.state
    walk.send(ChoiceMade(SENDER, "red", old_nonce))
    assert walk.state == before
    assert "expired" in walk.said.text
    assert walk.said.text.endswith("Describe the sky.")


def test_a_choice_with_a_made_up_nonce_is_answered_as_expired() -> None:
    walk = Walk(BRANCHING)
    before = walk.state
    walk.send(ChoiceMade(SENDER, "red", "forged.99"))
    assert walk.state == before
    assert "expired" in walk.said.text


# Text steps


@pytest.mark.parametrize("typed", ["", "   ", "\n\t\n", "\u200b\u202e\u2066", "\x00\x07"])
def test_an_empty_text_answer_is_refused_and_nothing_is_stored(typed: str) -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    before = walk.state
    walk.text(typed, message_id="m1")
    assert walk.state == before
    assert "empty" in walk.said.text


def test_a_message_of_50000_characters_is_refused_and_nothing_is_stored() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    before = walk.state
    walk.text("x" * 50_000, message_id="m1")
    assert walk.state == before
    assert "too long (50000 characters; at most 4096)" in walk.said.text
    assert "Nothing of it was stored" in walk.said.text
    assert "x" * 100 not in walk.said.text


def test_a_message_of_exactly_the_limit_is_taken() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    walk.text("y" * MAX_MESSAGE_CHARS)
    assert walk.state.answers["shade"] == "y" * MAX_MESSAGE_CHARS


def test_a_message_is_measured_after_invisible_characters_are_removed() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    walk.text("y" * MAX_MESSAGE_CHARS + "\u200b" * 10)
    assert walk.state.answers["shade"] == "y" * MAX_MESSAGE_CHARS


def test_control_bidi_and_zero_width_characters_are_removed_from_a_text_answer() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    walk.text("\u202eCri\u200bmson\x00 \u2066red\u2069\x1b[31m\ufeff\r\nline two\u00ad")
    assert walk.state.answers["shade"] == "Crimson red[31m\nline two"


def test_text_is_stored_nfc_normalised() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    walk.text("Cafe\u0301")
    assert walk.state.answers["shade"] == "Caf\u00e9"


def test_a_skippable_text_step_offers_skip_and_skipping_stores_an_empty_answer() -> None:
    walk = Walk(BRANCHING)
    walk.choose("blue")
    assert _ids(walk.said) == [SKIP]
    walk.choose(SKIP)
    assert walk.state.answers["sky"] == ""
    assert walk.state.step == "story"


def test_skip_is_neither_offered_nor_accepted_where_the_text_is_required() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    before = walk.state
    walk.choose(SKIP)
    assert walk.state == before
    assert "not one of the options" in walk.said.text


def test_the_message_ids_of_text_answers_are_remembered_for_chat_hygiene() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    walk.text("Scarlet", message_id="m1")
    walk.text("First part.", message_id="m2")
    walk.text("Second part.", message_id="m3")
    assert walk.state.answers["_messages"] == ["m1", "m2", "m3"]


# Long text


def test_a_long_text_collects_several_messages_until_done() -> None:
    walk = Walk(BRANCHING)
    walk.choose("blue")
    walk.choose(SKIP)
    walk.text("One.")
    assert "Noted (4 characters so far)" in walk.said.text
    assert _ids(walk.said) == [DONE]
    assert walk.said.nonce == walk.state.nonce
    walk.text("Two.")
    assert "Noted (9 characters so far)" in walk.said.text
    assert walk.state.step == "story"
    walk.choose(DONE)
    assert walk.state.answers["story"] == ["One.", "Two."]
    assert walk.state.step == "extras"


def test_done_on_a_long_text_with_nothing_written_is_refused() -> None:
    walk = Walk(BRANCHING)
    walk.choose("blue")
    walk.choose(SKIP)
    before = walk.state
    walk.choose(DONE)
    assert walk.state == before
    assert "Nothing has been written yet" in walk.said.text


def test_done_typed_as_a_word_counts_as_done_only_through_the_button() -> None:
    walk = Walk(BRANCHING)
    walk.choose("blue")
    walk.choose(SKIP)
    walk.text("Done")
    assert walk.state.answers["story"] == ["Done"]
    assert walk.state.step == "story"


def test_a_long_text_refuses_a_message_that_would_pass_the_total_cap_and_keeps_the_rest() -> None:
    walk = Walk(BRANCHING)
    walk.choose("blue")
    walk.choose(SKIP)
    for number in range(19):
        walk.text(str(number % 10) * 999)
    assert len("\n".join(walk.state.answers["story"])) == 18_999
    before = walk.state.answers["story"]
    walk.text("x" * 1002)
    assert walk.state.answers["story"] == before
    assert "Not added: that message (1002 characters)" in walk.said.text
    assert "past its limit of 20000 characters" in walk.said.text
    assert "Kept: 18999 characters" in walk.said.text
    assert "You can still add 1000 characters" in walk.said.text
    walk.text("y" * 1000)
    assert len("\n".join(walk.state.answers["story"])) == MAX_ACCOUNT_CHARS
    assert "can hold 0 more characters" in walk.said.text
    walk.choose(DONE)
    assert len(walk.state.answers["story"]) == 20


# Multiple choice


def test_multi_toggles_choices_on_and_off_and_marks_the_picked_ones() -> None:
    walk = _at_extras()
    assert _ids(walk.said) == ["apples", "pears", DONE]
    walk.choose("pears")
    assert walk.state.answers["extras"] == ["pears"]
    assert [c.label for c in walk.said.choices] == ["Apples", "✓ Pears", "Done"]
    walk.text("apples")
    assert walk.state.answers["extras"] == ["pears", "apples"]
    walk.text("✓ Pears")
    assert walk.state.answers["extras"] == ["apples"]
    assert walk.state.step == "extras"


def test_a_double_tap_on_a_multi_choice_button_toggles_it_once() -> None:
    walk = _at_extras()
    nonce = walk.state.nonce
    walk.send(ChoiceMade(SENDER, "apples", nonce))
    walk.send(ChoiceMade(SENDER, "apples", nonce))
    assert walk.state.answers["extras"] == ["apples"]
    assert "expired" in walk.said.text


def test_the_buttons_shown_after_a_toggle_carry_the_new_nonce_and_work() -> None:
    walk = _at_extras()
    walk.choose("apples")
    assert walk.said.nonce == walk.state.nonce
    walk.send(ChoiceMade(SENDER, "pears", walk.said.nonce))
    assert walk.state.answers["extras"] == ["apples", "pears"]


def test_multi_done_with_nothing_picked_completes_with_an_empty_list() -> None:
    walk = _at_extras()
    done = walk.choose(DONE)
    assert done.completed is not None
    assert done.completed["extras"] == []
    assert done.state is None


def test_multi_done_completes_with_the_picked_choices() -> None:
    walk = _at_extras()
    walk.choose("apples")
    walk.text("3")
    assert walk.last.completed is not None
    assert walk.last.completed["extras"] == ["apples"]


# Commands


def test_back_at_the_first_step_says_there_is_nothing_to_go_back_to() -> None:
    walk = Walk(BRANCHING)
    before = walk.state
    transition = walk.command("back")
    assert transition.state == before
    assert "nothing to go back to" in walk.said.text
    assert walk.said.text.endswith("Which colour?")


def test_back_returns_to_the_previous_step_with_a_fresh_nonce() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    at_shade = walk.state
    walk.command("back")
    assert walk.state.step == "colour"
    assert walk.state.nonce != at_shade.nonce
    assert walk.said.text == "Which colour?"
    assert walk.said.nonce == walk.state.nonce


def test_back_twice_retraces_the_path_and_keeps_the_answers() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    walk.text("Scarlet")
    walk.command("back")
    assert walk.state.step == "shade"
    walk.command("back")
    assert walk.state.step == "colour"
    assert walk.state.history == ()
    assert walk.state.answers["shade"] == "Scarlet"


def test_help_shows_the_dialogs_help_and_how_to_navigate_and_stays() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    before = walk.state
    walk.command("help")
    assert walk.state == before
    assert walk.said.text.startswith("You are answering questions about colours.")
    assert "/back" in walk.said.text
    assert "/cancel" in walk.said.text
    assert walk.said.text.endswith("Which shade of red?")


def test_cancel_ends_the_dialog_with_the_dialogs_own_message() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    cancelled = walk.command("cancel")
    assert cancelled.state is None
    assert cancelled.cancelled
    assert cancelled.completed is None
    assert cancelled.said == (Said("Stopped; nothing kept."),)


@pytest.mark.parametrize("name", ["xyz", "new", "status", "start", ""])
def test_an_unknown_command_is_returned_unhandled_with_the_state_unchanged(name: str) -> None:
    walk = Walk(BRANCHING)
    before = walk.state
    transition = walk.command(name)
    assert transition.unhandled
    assert transition.state == before
    assert transition.said == ()


def test_a_form_submission_is_returned_unhandled() -> None:
    walk = Walk(BRANCHING)
    before = walk.state
    transition = walk.send(FormSubmitted(SENDER, "note", {"text": "x"}))
    assert transition.unhandled
    assert transition.state == before


def test_a_photo_or_sticker_is_answered_and_changes_nothing() -> None:
    walk = Walk(BRANCHING)
    walk.choose("red")
    before = walk.state
    walk.send(UnsupportedReceived(SENDER, "photo"))
    assert walk.state == before
    assert "only read text messages" in walk.said.text
    assert walk.said.text.endswith("Which shade of red?")


# Completion and storage


def test_completed_answers_contain_only_the_steps_on_the_path_taken() -> None:
    walk = Walk(BRANCHING, {"_context": "kept"})
    walk.choose("red")
    walk.text("Scarlet")
    walk.command("back")
    walk.command("back")
    walk.choose("blue")
    walk.text("Cloudy")
    walk.text("A story.")
    walk.choose(DONE)
    done = walk.choose(DONE)
    assert done.completed == {
        "_context": "kept",
        "colour": "blue",
        "sky": "Cloudy",
        "story": ["A story."],
        "extras": [],
    }


def test_a_step_leading_to_cancel_cancels_the_dialog() -> None:
    walk = Walk(EDITABLE)
    walk.choose("cat")
    walk.text("Sleeps a lot.")
    walk.choose(DONE)
    walk.text("Tom")
    ended = walk.choose("no")
    assert ended.cancelled
    assert ended.state is None
    assert ended.said == (Said("Stopped. Nothing was stored."),)


@pytest.mark.parametrize("steps", [0, 1, 2, 3, 4, 5, 6])
def test_the_state_survives_a_json_round_trip_at_every_point(steps: int) -> None:
    walk = Walk(BRANCHING, {"_context": "ünïcødé ✓ 😀"})
    script: list[Callable[[], Transition]] = [
        lambda: walk.choose("blue"),
        lambda: walk.text('Grey — "quoted" \\ and 😀', message_id="m1"),
        lambda: walk.text("Part one\nwith a newline"),
        lambda: walk.text("Part two"),
        lambda: walk.choose(DONE),
        lambda: walk.choose("pears"),
    ]
    for action in script[:steps]:
        action()
    stored = walk.state.to_json()
    assert DialogState.from_json(stored) == walk.state
    assert DialogState.from_json(stored).nonce == walk.state.nonce


def test_the_state_while_editing_a_long_text_survives_a_json_round_trip() -> None:
    walk = _editable_at_summary()
    walk.choose("edit")
    walk.choose("notes")
    assert walk.state.editing
    assert DialogState.from_json(walk.state.to_json()) == walk.state


def test_a_state_stored_without_the_editing_flags_is_read_as_not_editing() -> None:
    stored = (
        '{"dialog": "branching", "step": "shade", "answers": {"colour": "red"}, '
        '"instance": "abc", "turn": 2, "history": ["colour"]}'
    )
    state = DialogState.from_json(stored)
    assert state == DialogState("branching", "shade", {"colour": "red"}, "abc", 2, ("colour",))
    assert not state.editing
    assert not state.replacing


# Editing from the summary


def _editable_at_summary() -> Walk:
    walk = Walk(EDITABLE)
    walk.choose("cat")
    walk.text("Sleeps a lot.")
    walk.text("Purrs.")
    walk.choose(DONE)
    walk.text("Tom")
    assert walk.state.step == "summary"
    return walk


def test_editing_a_choice_returns_to_the_summary_with_the_new_answer() -> None:
    walk = _editable_at_summary()
    walk.choose("edit")
    walk.choose("pet")
    assert walk.state.step == "pet"
    walk.choose("dog")
    assert walk.state.step == "summary"
    assert not walk.state.editing
    assert walk.said.text == "Pet: dog. Notes: ['Sleeps a lot.', 'Purrs.']. Name: Tom."


def test_editing_a_long_text_replaces_it_with_what_is_written_next() -> None:
    walk = _editable_at_summary()
    walk.choose("edit")
    walk.choose("notes")
    walk.text("Hunts mice.")
    assert "Noted (11 characters so far)" in walk.said.text
    walk.text("At night.")
    walk.choose(DONE)
    assert walk.state.step == "summary"
    assert walk.state.answers["notes"] == ["Hunts mice.", "At night."]
    done = walk.choose("yes")
    assert done.completed is not None
    assert done.completed["notes"] == ["Hunts mice.", "At night."]


def test_done_straight_away_when_editing_a_long_text_keeps_the_old_text() -> None:
    walk = _editable_at_summary()
    walk.choose("edit")
    walk.choose("notes")
    walk.choose(DONE)
    assert walk.state.step == "summary"
    assert walk.state.answers["notes"] == ["Sleeps a lot.", "Purrs."]


def test_back_while_editing_returns_to_the_summary_with_the_old_answer_kept() -> None:
    walk = _editable_at_summary()
    walk.choose("edit")
    walk.choose("notes")
    walk.command("back")
    assert walk.state.step == "summary"
    assert not walk.state.editing
    assert not walk.state.replacing
    assert walk.state.answers["notes"] == ["Sleeps a lot.", "Purrs."]
    walk.choose("edit")
    walk.choose("notes")
    walk.command("back")
    walk.choose("edit")
    walk.choose("name")
    walk.command("back")
    done = walk.choose("yes")
    assert done.completed is not None
    assert done.completed["notes"] == ["Sleeps a lot.", "Purrs."]
    assert done.completed["name"] == "Tom"


def test_editing_a_text_replaces_it_and_returns_to_the_summary() -> None:
    walk = _editable_at_summary()
    walk.choose("edit")
    walk.choose("name")
    walk.text("Felix")
    assert walk.state.step == "summary"
    assert walk.said.text.endswith("Name: Felix.")


def test_completed_answers_after_editing_leave_out_the_edit_bookkeeping() -> None:
    walk = _editable_at_summary()
    walk.choose("edit")
    walk.choose("name")
    walk.text("Felix")
    done = walk.choose("yes")
    assert done.completed == {
        "pet": "cat",
        "notes": ["Sleeps a lot.", "Purrs."],
        "name": "Felix",
        "summary": "yes",
    }
