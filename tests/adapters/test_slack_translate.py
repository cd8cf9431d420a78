"""Slack translation and Block Kit rendering: pure, against recorded-shape request bodies."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from adapters.slack.translate import (
    BUTTON_LIMIT,
    MESSAGE_BLOCKS,
    MODAL_BLOCKS,
    SECTION_LIMIT,
    action_to_event,
    command_to_event,
    escape,
    event_of,
    input_modal,
    render,
    select_input,
    submission_to_event,
    text_input,
    text_modal,
)
from bot.channels.events import Address, ChoiceMade, CommandReceived, FormSubmitted
from bot.channels.replies import Choice, Reply
from bot.conversation.cards import details_text
from bot.conversation.text_units import utf16_cut, utf16_len
from bot.domain.model import Concern, Mode
from bot.i18n import translator

PAYLOADS = Path(__file__).parent / "payloads"
CARLA = Address("slack", "T0DEMOSTAD:U07CARLA01")
CHANNEL = Address("slack", "C07ALERTS1")
HOSTILE = "Ping <!channel> and <@U123>, see <https://x|y> & <!here> &amp; <#C1|general>"
TITLE_LIMIT = 24


def payload(name: str) -> dict[str, Any]:
    """A recorded-shape request body, as Slack sends it (a fresh copy each time)."""
    data: dict[str, Any] = json.loads((PAYLOADS / f"slack_{name}.json").read_text(encoding="utf-8"))
    return data


def sections(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The section blocks among ``blocks``."""
    return [b for b in blocks if b["type"] == "section"]


def buttons_of(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button in the actions blocks among ``blocks``."""
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def assert_within_message_limits(blocks: list[dict[str, Any]]) -> None:
    """Slack's limits for a message: blocks, section text, buttons, unique action ids."""
    assert len(blocks) <= MESSAGE_BLOCKS
    for block in sections(blocks):
        assert block["text"]["type"] == "plain_text"
        assert 0 < len(block["text"]["text"]) <= SECTION_LIMIT
    for block in blocks:
        if block["type"] == "actions":
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids)) <= 25
            for button in block["elements"]:
                assert 0 < len(button["text"]["text"]) <= BUTTON_LIMIT
                assert len(button["value"]) <= 2000
                assert len(button["action_id"]) <= 255


def assert_within_modal_limits(view: dict[str, Any]) -> None:
    """Slack's limits for a modal: title, buttons, blocks, section text."""
    for key in ("title", "close", "submit"):
        if key in view:
            assert view[key]["type"] == "plain_text"
            assert 0 < len(view[key]["text"]) <= TITLE_LIMIT
    assert 0 < len(view["blocks"]) <= MODAL_BLOCKS
    for block in sections(view["blocks"]):
        assert block["text"]["type"] == "plain_text"
        assert 0 < len(block["text"]["text"]) <= SECTION_LIMIT
    assert len(view.get("private_metadata", "")) <= 3000


def concern_with_facts(facts: str) -> Concern:
    """A concern whose account is ``facts``."""
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    return Concern(
        id=1,
        reference="KX7-27N",
        network_id="demo",
        organisation_id="jongerenwerk-noord",
        reporter_id=1,
        mode=Mode.SHARE,
        subject="person",
        age_band="16_17",
        setting="school",
        source="own_observation",
        urgency="week",
        acute=False,
        contact_allowed=True,
        identity_shown=False,
        actions_taken=("talked_colleague",),
        facts=facts,
        interpretation="He may be testing limits.",
        counter_signals="",
        created_at=at,
        acknowledge_due=at + timedelta(days=2),
        feedback_due=at + timedelta(days=14),
    )


# --- translation in -----------------------------------------------------------------------


def test_a_button_press_becomes_the_choice_of_that_verb_on_that_reference() -> None:
    event = action_to_event(payload("block_actions"))

    assert isinstance(event, ChoiceMade)
    assert event.choice_id == "act:ack:KX7-27N"
    assert event.sender.address == CARLA
    assert event.sender.display_name == "carla.jansen"
    assert event.event_id == "action:1764320123.456789:T0DEMOSTAD:U07CARLA01"


def test_the_same_button_press_delivered_twice_has_one_event_id() -> None:
    first = action_to_event(payload("block_actions"))
    again = action_to_event(payload("block_actions"))
    later = payload("block_actions")
    later["actions"][0]["action_ts"] = "1764320999.000001"

    assert first is not None
    assert again is not None
    assert first.event_id == again.event_id
    assert first.event_id != getattr(action_to_event(later), "event_id", None)


def test_the_same_button_pressed_by_another_user_is_another_event() -> None:
    other = payload("block_actions")
    other["user"]["id"] = "U07PIETER2"

    event = action_to_event(other)
    first = action_to_event(payload("block_actions"))

    assert event is not None
    assert first is not None
    assert event.sender.address == Address("slack", "T0DEMOSTAD:U07PIETER2")
    assert event.event_id != first.event_id


def test_a_numbered_repeat_of_a_verb_maps_back_to_the_verb() -> None:
    body = payload("block_actions")
    body["actions"][0].update(action_id="act:show#3", value="PQR-234")

    event = action_to_event(body)

    assert event is not None
    assert event.choice_id == "act:show:PQR-234"


def test_buttons_that_are_not_ours_or_presses_without_a_user_are_ignored() -> None:
    foreign = payload("block_actions")
    foreign["actions"][0]["action_id"] = "approve_expense"
    anonymous = payload("block_actions")
    del anonymous["user"]
    empty = payload("block_actions")
    empty["actions"] = []

    assert action_to_event(foreign) is None
    assert action_to_event(anonymous) is None
    assert action_to_event(empty) is None


def test_a_slash_command_becomes_a_command_with_its_arguments() -> None:
    event = command_to_event(payload("slash_command"))

    assert isinstance(event, CommandReceived)
    assert event.sender.address == CARLA
    assert event.sender.display_name == "carla.jansen"
    assert event.command == "note"
    assert event.args == "More stickers of one group near the station this month"


def test_a_slash_command_is_one_event_per_invocation_whatever_its_trigger_ids_length() -> None:
    body = payload("slash_command")
    again = command_to_event(dict(body))
    later = payload("slash_command") | {"trigger_id": "7781234569333.7712345678901.ffee"}
    long = payload("slash_command") | {"trigger_id": "9" * 300}
    first = command_to_event(body)

    assert first is not None
    assert first.event_id is not None
    assert again is not None
    assert again.event_id == first.event_id
    assert getattr(command_to_event(later), "event_id", None) != first.event_id
    assert len(str(getattr(command_to_event(long), "event_id", ""))) <= 64
    assert len(first.event_id) <= 64


def test_join_with_a_code_redeems_the_invitation_like_start_does() -> None:
    body = payload("slash_command")
    body["text"] = "  JOIN  ABCD-EFGH-JKMN "

    event = command_to_event(body)

    assert event is not None
    assert (event.command, event.args) == ("start", "ABCD-EFGH-JKMN")


def test_an_empty_or_unknown_slash_verb_asks_for_help() -> None:
    for text in ("", "   ", "delete everything", "new"):
        body = payload("slash_command")
        body["text"] = text
        event = command_to_event(body)
        assert event is not None
        assert event.command == "help"


def test_every_documented_slash_verb_passes_through() -> None:
    for text, expected in (
        ("list", ("list", "")),
        ("invite reporter college-zuid", ("invite", "reporter college-zuid")),
        ("stats", ("stats", "")),
        ("Help", ("help", "")),
    ):
        body = payload("slash_command")
        body["text"] = text
        event = command_to_event(body)
        assert event is not None
        assert (event.command, event.args) == expected


def test_an_ask_submission_becomes_the_ask_form_with_reference_channel_and_question() -> None:
    event = submission_to_event(payload("view_submission_ask"))

    assert isinstance(event, FormSubmitted)
    assert event.form == "ask"
    assert event.sender.address == CARLA
    assert event.values == {
        "reference": "KX7-27N",
        "channel": "C07ALERTS1",
        "question": "Did this happen once, or more often?",
    }


def test_a_status_submission_reads_selected_options_and_the_note_from_state_values() -> None:
    event = submission_to_event(payload("view_submission_status"))

    assert isinstance(event, FormSubmitted)
    assert event.form == "status"
    assert event.values == {
        "reference": "KX7-27N",
        "channel": "C07ALERTS1",
        "status": "closed",
        "outcome": "advice_given",
        "note": "We talked with the school's care coordinator; thank you for sharing.",
    }


def test_an_unselected_option_and_an_empty_note_arrive_as_empty_values() -> None:
    body = payload("view_submission_status")
    body["view"]["state"]["values"]["outcome"]["value"]["selected_option"] = None
    body["view"]["state"]["values"]["note"]["value"]["value"] = None

    event = submission_to_event(body)

    assert event is not None
    assert event.values["outcome"] == ""
    assert event.values["note"] == ""


def test_a_corrected_resubmission_is_a_new_event_and_an_identical_one_is_not() -> None:
    first = submission_to_event(payload("view_submission_status"))
    identical = submission_to_event(payload("view_submission_status"))
    corrected_body = payload("view_submission_status")
    corrected_body["view"]["state"]["values"]["outcome"]["value"]["selected_option"] = {
        "text": {"type": "plain_text", "text": "Referred to a partner", "emoji": False},
        "value": "referred",
    }
    corrected = submission_to_event(corrected_body)

    assert first is not None
    assert identical is not None
    assert corrected is not None
    assert first.event_id == identical.event_id
    assert corrected.event_id != first.event_id


def test_the_same_values_in_another_modal_are_another_event() -> None:
    body = payload("view_submission_ask")
    body["view"]["id"] = "V07ASK0002"

    first = submission_to_event(payload("view_submission_ask"))
    second = submission_to_event(body)

    assert first is not None
    assert second is not None
    assert first.event_id != second.event_id


def test_a_submission_without_a_callback_id_or_user_is_ignored() -> None:
    no_callback = payload("view_submission_ask")
    del no_callback["view"]["callback_id"]
    no_user = payload("view_submission_ask")
    del no_user["user"]

    assert submission_to_event(no_callback) is None
    assert submission_to_event(no_user) is None


def test_bodies_are_told_apart_by_their_shape() -> None:
    assert isinstance(event_of(payload("block_actions")), ChoiceMade)
    assert isinstance(event_of(payload("view_submission_ask")), FormSubmitted)
    assert isinstance(event_of(payload("slash_command")), CommandReceived)
    assert event_of({"type": "view_closed", "view": {}}) is None
    assert event_of({"type": "event_callback", "event": {"type": "app_mention"}}) is None


# --- escaping -----------------------------------------------------------------------------


def test_escape_neutralises_mentions_links_and_ampersands() -> None:
    assert escape("<!channel>") == "&lt;!channel&gt;"
    assert escape("<@U123>") == "&lt;@U123&gt;"
    assert escape("<https://x|y>") == "&lt;https://x|y&gt;"
    assert escape("fish & chips") == "fish &amp; chips"
    assert escape("&lt;!here&gt;") == "&amp;lt;!here&amp;gt;"


@given(st.text())
@example(HOSTILE)
def test_escaped_text_has_no_control_characters_and_unescapes_to_the_original(text: str) -> None:
    escaped = escape(text)

    assert "<" not in escaped
    assert ">" not in escaped
    unescaped = escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == text


# --- rendering ----------------------------------------------------------------------------


def test_a_reply_with_mentions_is_rendered_in_plain_text_and_an_escaped_fallback() -> None:
    reply = Reply(CHANNEL, HOSTILE, (Choice("act:details:KX7-27N", "View details"),))

    text, blocks = render(reply)

    assert "<" not in text
    assert ">" not in text
    assert "&lt;!channel&gt;" in text
    assert [b["type"] for b in blocks] == ["section", "actions"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": HOSTILE, "emoji": False}
    assert_within_message_limits(blocks)


def test_an_alert_renders_its_actions_as_buttons_with_the_reference_as_value() -> None:
    choices = (
        Choice("act:ack:KX7-27N", "Acknowledge"),
        Choice("act:assign:KX7-27N", "Assign to me"),
        Choice("act:details:KX7-27N", "View details"),
        Choice("act:ask:KX7-27N", "Ask reporter"),
        Choice("act:status:KX7-27N", "Update status"),
    )

    _, blocks = render(Reply(CHANNEL, "New concern shared\nKX7-27N", choices))

    assert [(b["action_id"], b["value"], b["text"]["text"]) for b in buttons_of(blocks)] == [
        ("act:ack", "KX7-27N", "Acknowledge"),
        ("act:assign", "KX7-27N", "Assign to me"),
        ("act:details", "KX7-27N", "View details"),
        ("act:ask", "KX7-27N", "Ask reporter"),
        ("act:status", "KX7-27N", "Update status"),
    ]


def test_a_list_of_cards_gets_unique_action_ids_that_press_back_to_each_card() -> None:
    references = [f"AB{n}-CDE" for n in range(2, 9)]
    reply = Reply(CHANNEL, "Open concerns", tuple(Choice(f"act:show:{r}", r) for r in references))
    body = payload("block_actions")

    _, blocks = render(reply)
    pressed = []
    for button in buttons_of(blocks):
        body["actions"][0].update(action_id=button["action_id"], value=button["value"])
        event = action_to_event(body)
        assert event is not None
        pressed.append(event.choice_id)

    assert_within_message_limits(blocks)
    assert pressed == [f"act:show:{r}" for r in references]


def test_dialog_choices_that_are_not_actions_get_no_buttons() -> None:
    reply = Reply(CHANNEL, "Which language?", (Choice("nl", "Nederlands"), Choice("en", "English")))

    _, blocks = render(reply)

    assert [b["type"] for b in blocks] == ["section"]


def test_long_labels_and_many_buttons_stay_within_limits() -> None:
    choices = tuple(Choice(f"act:show:REF-{n:03d}", "L" * 200) for n in range(40))

    _, blocks = render(Reply(CHANNEL, "x", choices))

    assert len(buttons_of(blocks)) == 25
    assert_within_message_limits(blocks)


def test_a_very_long_message_is_cut_into_sections_and_keeps_its_buttons() -> None:
    text = "\n".join(f"line {n} " + "w" * 90 for n in range(3000))
    reply = Reply(CHANNEL, text, (Choice("act:details:KX7-27N", "View details"),))

    fallback, blocks = render(reply)

    assert len(blocks) == MESSAGE_BLOCKS
    assert blocks[-1]["type"] == "actions"
    assert blocks[0]["text"]["text"].startswith("line 0 ")
    assert len(fallback) <= SECTION_LIMIT
    assert_within_message_limits(blocks)


def test_a_line_longer_than_a_section_is_cut_hard() -> None:
    _, blocks = render(Reply(CHANNEL, "x" * (SECTION_LIMIT * 2 + 5)))

    assert [len(b["text"]["text"]) for b in blocks] == [SECTION_LIMIT, SECTION_LIMIT, 5]


def test_an_empty_reply_still_has_a_section() -> None:
    _, blocks = render(Reply(CHANNEL, ""))

    assert_within_message_limits(blocks)
    assert len(blocks) == 1


@given(st.text(max_size=20000), st.integers(min_value=0, max_value=30))
@example("\n" * 7000, 1)
@example(HOSTILE * 400, 5)
def test_any_reply_renders_within_slacks_message_limits(text: str, count: int) -> None:
    choices = tuple(Choice(f"act:show:R{n}", f"Card {n}") for n in range(count))

    fallback, blocks = render(Reply(CHANNEL, text, choices))

    assert "<" not in fallback
    assert_within_message_limits(blocks)


def test_a_fifty_thousand_character_account_in_a_details_modal_stays_within_limits() -> None:
    paragraph = "She said the attack was deserved & <!channel> should know. " * 30
    facts = "\n".join([paragraph] * 30)[:50000]
    assert len(facts) == 50000
    text = details_text(
        concern_with_facts(facts), "Reporter 7F3", "Europe/Amsterdam", translator("en")
    )

    view = text_modal("KX7-27N", text, "Close")

    assert_within_modal_limits(view)
    shown = "".join(b["text"]["text"] for b in view["blocks"])
    assert facts.replace("\n", "") in shown.replace("\n", "")


def test_a_fifty_thousand_character_account_without_line_breaks_stays_within_limits() -> None:
    facts = "x" * 50000
    text = details_text(
        concern_with_facts(facts), "Reporter 7F3", "Europe/Amsterdam", translator("en")
    )

    view = text_modal("KX7-27N", text, "Close")

    assert_within_modal_limits(view)
    assert "".join(b["text"]["text"] for b in view["blocks"]).count("x") >= 50000


def test_modal_titles_and_buttons_are_cut_to_slacks_limits() -> None:
    view = text_modal("A title far longer than twenty-four", "body", "Close this window please")
    form = input_modal(
        "status",
        "KX7-27N|C07ALERTS1",
        "Statusupdate van de melding",
        "Opslaan en versturen naar de melder",
        "Annuleren",
        [
            select_input("status", "New status", [("closed", "C" * 100)], False),
            text_input("note", "Note", True),
        ],
    )

    assert_within_modal_limits(view)
    assert_within_modal_limits(form)
    assert form["callback_id"] == "status"
    assert form["private_metadata"] == "KX7-27N|C07ALERTS1"
    option = form["blocks"][0]["element"]["options"][0]
    assert len(option["text"]["text"]) <= 75
    assert [b["block_id"] for b in form["blocks"]] == ["status", "note"]


def test_an_empty_modal_text_still_shows_a_section() -> None:
    view = text_modal("", "", "")

    assert_within_modal_limits(view)


def test_payload_files_are_not_changed_by_translation() -> None:
    body = payload("view_submission_status")
    before = copy.deepcopy(body)

    submission_to_event(body)

    assert body == before


def test_an_emoji_heavy_account_is_cut_into_sections_slack_accepts() -> None:
    text = "😀" * 2000 + "\n" + "👍🏽" * 800 + "🇳🇱" * 900  # 8000 code points, 13002 units

    _, blocks = render(Reply(CHANNEL, text))
    pieces = [b["text"]["text"] for b in blocks]

    assert all(utf16_len(piece) <= SECTION_LIMIT for piece in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")
    for piece in pieces:
        # No half of a surrogate pair, a skin tone, or a flag at either end of a section.
        assert not piece.startswith(("\U0001f3fd", "\u200d"))
        assert piece.count("🇳🇱") * 2 == sum(0x1F1E6 <= ord(c) <= 0x1F1FF for c in piece)
        piece.encode("utf-16")


def test_emoji_button_labels_and_titles_are_cut_in_utf16_units() -> None:
    reply = Reply(CHANNEL, "x", (Choice("act:show:REF", "👍" * 60),))
    modal = text_modal("📎" * 30, "x", "❌" * 30)

    [button] = buttons_of(render(reply)[1])

    assert utf16_len(button["text"]["text"]) <= BUTTON_LIMIT
    assert button["text"]["text"] == "👍" * 37
    assert utf16_len(modal["title"]["text"]) <= TITLE_LIMIT
    assert modal["title"]["text"] == "📎" * 12
    assert utf16_len(modal["close"]["text"]) <= TITLE_LIMIT


def test_a_utf16_cut_never_splits_a_pair_and_keeps_graphemes_whole_where_it_can() -> None:
    assert utf16_len("a😀") == 3
    assert utf16_cut("ab😀", 3) == "ab"
    assert utf16_cut("a👍🏽b", 4) == "a"  # not the thumb without its skin tone
    assert utf16_cut("x🇳🇱", 3) == "x"  # not half a flag
    assert utf16_cut("e\u0301x", 1) == "e"  # one grapheme longer than the limit: cut it
    assert utf16_cut("abc", 5) == "abc"
    assert utf16_cut("abc", 0) == ""
