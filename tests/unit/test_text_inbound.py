"""Every platform string is cleaned at the core's door, not only typed text."""

from __future__ import annotations

from bot.channels.events import (
    Address,
    ChoiceMade,
    CommandReceived,
    FormSubmitted,
    Sender,
    TextReceived,
    UnsupportedReceived,
)
from bot.conversation.inbound import MAX_NAME_UNITS, clean_name, sanitised

SPOOF = "Eve\u202egnp.exe\u200b"
SENDER = Sender(Address("telegram", "42"), SPOOF, "nl\u200b")


def test_a_display_name_with_bidi_overrides_and_zero_width_characters_is_cleaned() -> None:
    event = sanitised(TextReceived(SENDER, "hello", message_id="7", event_id="9"))
    assert isinstance(event, TextReceived)
    assert event.sender.display_name == "Evegnp.exe"
    assert event.sender.language == "nl"
    assert event.sender.address == SENDER.address
    assert (event.message_id, event.event_id) == ("7", "9")


def test_a_name_is_one_line_and_cut_between_graphemes() -> None:
    assert clean_name("Rita\n\tde  Vries") == "Rita de Vries"
    assert clean_name("\u200b\u202e ") is None
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    long = clean_name("a" * (MAX_NAME_UNITS - 3) + family)
    assert long == "a" * (MAX_NAME_UNITS - 3)


def test_command_arguments_choices_form_values_and_kinds_are_cleaned() -> None:
    command = sanitised(CommandReceived(SENDER, "start", "\u202eCODE\u200b"))
    choice = sanitised(ChoiceMade(SENDER, "act:show:\u2066R1\u2069", "n\u200b1"))
    form = sanitised(FormSubmitted(SENDER, "note", {"note\u200b": "\u202eHi\x00"}))
    other = sanitised(UnsupportedReceived(SENDER, "photo\u200b"))
    assert isinstance(command, CommandReceived)
    assert command.args == "CODE"
    assert isinstance(choice, ChoiceMade)
    assert (choice.choice_id, choice.nonce) == ("act:show:R1", "n1")
    assert isinstance(form, FormSubmitted)
    assert form.values == {"note": "Hi"}
    assert isinstance(other, UnsupportedReceived)
    assert other.kind == "photo"
    assert all(e.sender.display_name == "Evegnp.exe" for e in (command, choice, form, other))


def test_typed_text_is_cleaned_but_keeps_its_outer_whitespace_for_joining_pieces() -> None:
    event = sanitised(TextReceived(SENDER, " a\u202eb\u200b "))
    assert isinstance(event, TextReceived)
    assert event.text == " ab "
