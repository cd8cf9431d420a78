"""Matrix translation and rendering: pure, against event contents shaped as Element sends them."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from adapters.matrix.menus import RoomMenus
from adapters.matrix.texts import HELD_BACK
from adapters.matrix.translate import (
    CHANNEL,
    KEYCAPS,
    MAX_BODY,
    keycap_number,
    parse,
    parse_reaction,
    reaction_event,
    render,
    split_text,
    strip_fallback,
    to_event,
)
from bot.channels.events import (
    Address,
    ChoiceMade,
    CommandReceived,
    Sender,
    TextReceived,
    UnsupportedReceived,
)
from bot.channels.replies import Choice, Reply
from bot.i18n import translator

SANNE = Sender(Address(CHANNEL, "@sanne:localhost"), "Sanne", "nl")
BOT_MESSAGE = "$bot-menu:localhost"
EVENT = "$sanne-1:localhost"
EN = translator("en")
LIMIT = 65536


def text(body: str, **extra: Any) -> dict[str, Any]:
    """An ``m.room.message`` text content."""
    return {"msgtype": "m.text", "body": body, **extra}


def replying(body: str, to: str = BOT_MESSAGE) -> dict[str, Any]:
    """A reply as Element sends it, fallback quote included."""
    return text(
        f"> <@concernbot:localhost> Which one?\n> 1. Advice\n\n{body}",
        format="org.matrix.custom.html",
        formatted_body=f"<mx-reply><blockquote>Which one?</blockquote></mx-reply>{body}",
        **{"m.relates_to": {"m.in_reply_to": {"event_id": to}}},
    )


def event_of(content: dict[str, Any], menus: RoomMenus | None = None) -> object:
    return to_event(SANNE, parse(content), EVENT, menus or RoomMenus())


def test_a_text_message_becomes_text_with_its_event_id_as_message_id() -> None:
    assert event_of(text("Er is iets gebeurd")) == TextReceived(
        SANNE, "Er is iets gebeurd", EVENT, EVENT
    )


def test_a_slash_line_becomes_a_command() -> None:
    assert event_of(text("/start K7Q-M3X")) == CommandReceived(SANNE, "start", "K7Q-M3X", EVENT)


def test_a_reply_loses_its_fallback_quote_and_says_what_it_replied_to() -> None:
    parsed = parse(replying("Twee leerlingen"))

    assert (parsed.kind, parsed.text, parsed.reply_to) == ("text", "Twee leerlingen", BOT_MESSAGE)
    assert event_of(replying("Twee leerlingen")) == TextReceived(
        SANNE, "Twee leerlingen", EVENT, EVENT, reply_to=BOT_MESSAGE
    )


def test_a_reply_without_a_fallback_keeps_its_whole_text() -> None:
    content = text("> not a quote of yours\nmine", **{"m.relates_to": _reply(BOT_MESSAGE)})

    assert parse(content).text == "> not a quote of yours\nmine"
    assert parse(text("Alleen dit", **{"m.relates_to": _reply("$x")})).text == "Alleen dit"


def test_a_quote_in_a_message_that_replies_to_nothing_stays() -> None:
    body = "> <@alice:hs> quoted\n\nmine"

    assert parse(text(body)).text == body


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("> <@a:hs> one\n> two\n\nanswer", "answer"),
        ("> * <@a:hs> waves\n\nhi", "hi"),
        ("> <@a:hs> one\n\nline 1\n\nline 2", "line 1\n\nline 2"),
        ("> <@a:hs> only the quote", ""),
        ("> <@a:hs> no blank line\nanswer", "> <@a:hs> no blank line\nanswer"),
        ("> a quote of my own\n\nanswer", "> a quote of my own\n\nanswer"),
    ],
)
def test_strip_fallback_takes_off_exactly_a_reply_fallback(body: str, expected: str) -> None:
    assert strip_fallback(body) == expected


def test_a_thread_reply_refers_to_the_thread_root_not_its_fallback() -> None:
    relates = {
        "rel_type": "m.thread",
        "event_id": BOT_MESSAGE,
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": "$latest"},
    }

    assert parse(text("ok", **{"m.relates_to": relates})).reply_to == BOT_MESSAGE


def test_an_edit_is_refused_and_never_taken_as_new_text() -> None:
    edit = text(
        "* 1",
        **{
            "m.new_content": {"msgtype": "m.text", "body": "1"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": "$earlier"},
        },
    )
    menus = RoomMenus()
    menus.record(Reply(SANNE.address, "Pick", (Choice("a", "A"),), "n1"), ["$m"], True)

    assert event_of(edit, menus) == UnsupportedReceived(SANNE, "edit", EVENT)
    assert parse({"msgtype": "m.text", "body": "x", "m.new_content": {}}).kind == "edit"


@pytest.mark.parametrize("kind", ["image", "file", "audio", "video", "location"])
def test_media_is_refused_with_its_kind(kind: str) -> None:
    content = {"msgtype": f"m.{kind}", "body": "photo.jpg", "url": "mxc://localhost/abc"}

    assert event_of(content) == UnsupportedReceived(SANNE, kind, EVENT)


@pytest.mark.parametrize("msgtype", ["m.notice", "m.emote"])
def test_a_notice_or_an_emote_from_a_user_is_text(msgtype: str) -> None:
    assert event_of({"msgtype": msgtype, "body": "zwaait"}) == TextReceived(
        SANNE, "zwaait", EVENT, EVENT
    )


@pytest.mark.parametrize(
    "content",
    [{}, {"msgtype": "m.text"}, {"msgtype": "m.text", "body": 3}, {"msgtype": "m.key.x"}],
)
def test_anything_else_is_refused_as_other(content: dict[str, Any]) -> None:
    assert event_of(content) == UnsupportedReceived(SANNE, "other", EVENT)


def test_a_reaction_is_read_as_its_target_and_key() -> None:
    content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$m", "key": "1️⃣"}}

    assert parse_reaction(content) == ("$m", "1️⃣")
    assert parse_reaction({"m.relates_to": {"rel_type": "m.reference", "event_id": "$m"}}) is None
    assert parse_reaction({"m.relates_to": {"rel_type": "m.annotation", "key": "1"}}) is None
    assert parse_reaction({}) is None


@pytest.mark.parametrize(
    ("key", "number"),
    [("1️⃣", 1), ("1\u20e3", 1), ("9️⃣", 9), ("🔟", 10), ("1", 1), (" 7 ", 7), ("10", 10)],
)
def test_a_number_reaction_is_read_in_each_of_its_forms(key: str, number: int) -> None:
    assert keycap_number(key) == number


@pytest.mark.parametrize("key", ["👍", "#️⃣", "*\u20e3", "", "1️⃣2️⃣", "²", "100"])
def test_other_reaction_keys_stand_for_no_number(key: str) -> None:
    assert keycap_number(key) is None


@given(st.integers(min_value=1, max_value=10))
def test_every_keycap_reads_back_as_its_number_with_or_without_its_variation_selector(
    number: int,
) -> None:
    key = KEYCAPS[number]

    assert keycap_number(key) == number
    assert keycap_number(key.replace("\ufe0f", "")) == number
    assert keycap_number(str(number)) == number


def test_a_reaction_on_a_numbered_message_picks_its_choice_with_the_reaction_as_event() -> None:
    menus = RoomMenus()
    menus.record(Reply(SANNE.address, "Pick", (Choice("a", "A"), Choice("b", "B"))), ["$m"], True)

    assert reaction_event(SANNE, "$m", "2️⃣", "$r", menus) == ChoiceMade(SANNE, "b", None, "$r")
    assert reaction_event(SANNE, "$other", "2️⃣", "$r", menus) is None


# --- rendering ------------------------------------------------------------------------------


def test_choices_are_numbered_lines_by_their_fixed_numbers_and_lists_in_html() -> None:
    choices = (Choice("ack", "Acknowledge", 2), Choice("ask", "Ask", 4), Choice("x", "View", 5))
    [content] = render(Reply(SANNE.address, "New concern", choices), True, EN)

    assert content["msgtype"] == "m.text"
    assert content["body"] == "New concern\n\n2. Acknowledge\n4. Ask\n5. View"
    assert content["format"] == "org.matrix.custom.html"
    assert content["formatted_body"] == (
        'New concern<ol start="2"><li>Acknowledge</li></ol>'
        '<ol start="4"><li>Ask</li><li>View</li></ol>'
    )
    assert content["m.mentions"] == {}


def test_the_html_is_escaped_and_the_body_stays_as_typed() -> None:
    typed = 'Hij zei: <script>alert("x")</script> & ging weg\nNieuwe regel'
    [content] = render(Reply(SANNE.address, typed, (Choice("a", "<b>A</b>"),)), True, EN)

    assert content["body"].startswith(typed)
    assert "<script>" not in content["formatted_body"]
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ging weg<br>Nieuwe regel"
        in (content["formatted_body"])
    )
    assert "<li>&lt;b&gt;A&lt;/b&gt;</li>" in content["formatted_body"]


def test_choices_held_back_show_no_numbers_and_say_why_in_the_member_language() -> None:
    reply = Reply(SANNE.address, "Alert", (Choice("ack", "Acknowledge"), Choice("v", "View")))
    nl = translator("nl")
    [content] = render(reply, False, nl)

    assert content["body"] == f"Alert\n\n• Acknowledge\n• View\n\n{nl(HELD_BACK)}"
    assert nl(HELD_BACK) != HELD_BACK
    assert not re.search(r"^\d", content["body"], re.MULTILINE)
    assert "<ul><li>Acknowledge</li><li>View</li></ul>" in content["formatted_body"]


def test_a_text_step_shows_done_and_skip_as_bullets_without_the_held_back_note() -> None:
    reply = Reply(
        SANNE.address, "Describe it", (Choice("done", "Done"), Choice("skip", "Skip")), "n"
    )
    [content] = render(reply, True, EN)

    assert content["body"] == "Describe it\n\n• Done\n• Skip"


def test_an_empty_reply_still_says_something() -> None:
    [content] = render(Reply(SANNE.address, ""), True, EN)

    assert content["body"] == "…"
    assert content["formatted_body"] == "…"
    [menu] = render(Reply(SANNE.address, " ", (Choice("a", "A"),)), True, EN)
    assert menu["body"] == "1. A"


def _encrypted_size(content: dict[str, Any]) -> int:
    """Bytes of the ciphertext mautrix would make of ``content`` (megolm: AES-CBC, base64)."""
    plain = json.dumps(
        {"room_id": "!" + "r" * 40 + ":localhost", "type": "m.room.message"} | {"content": content}
    )
    padded = (len(plain.encode()) // 16 + 1) * 16
    return (padded + 1 + 10 + 8 + 64) * 4 // 3 + 1


@pytest.mark.parametrize("unit", ["woord ", "é", "😀", "&\n", "👍🏽"])
def test_a_long_reply_is_split_into_parts_that_fit_an_encrypted_event(unit: str) -> None:
    long = unit * 40000
    choices = (Choice("a", "A"), Choice("b", "B"))
    parts = render(Reply(SANNE.address, long, choices), True, EN)

    assert len(parts) > 1
    assert all(len(p["body"]) <= MAX_BODY for p in parts)
    assert all(_encrypted_size(p) < LIMIT - 4000 for p in parts)
    assert all("1. A" not in p["body"] for p in parts[:-1])
    assert parts[-1]["body"].endswith("1. A\n2. B")
    shown = "".join(p["body"] for p in parts).removesuffix("\n\n1. A\n2. B")
    assert re.sub(r"\s", "", shown) == re.sub(r"\s", "", long)


@given(
    st.lists(st.sampled_from(["a", "b", " ", "\n", "😀", "é", "&", "<", "👍🏽"]), max_size=400).map(
        "".join
    ),
    st.integers(min_value=2, max_value=60),
    st.integers(min_value=60, max_value=400),
)
@example("a" * 100, 10, 1000)
@example("😀" * 50, 1000, 100)
def test_split_text_keeps_every_visible_character_in_order_within_both_limits(
    text: str, limit: int, budget: int
) -> None:
    parts = split_text(text, limit, budget)

    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)
    assert all(len(p) <= limit for p in parts)
    assert all(_cost(p) <= budget for p in parts)
    assert len(parts) == 1 or all(p.strip() for p in parts)
    assert not any(p.startswith("\U0001f3fd") for p in parts)  # a skin tone keeps its emoji


@given(
    st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=8, unique=True),
    st.booleans(),
)
def test_each_number_shown_types_back_as_its_choice(positions: list[int], fixed: bool) -> None:
    choices = tuple(
        Choice(f"c{i}", f"Option {i}", position if fixed else None)
        for i, position in enumerate(positions)
    )
    reply = Reply(SANNE.address, "Pick one", choices, "nonce-1")
    menus = RoomMenus()
    parts = render(reply, menus.numbers_for(reply), EN)
    menus.record(reply, [f"$p{i}" for i in range(len(parts))], True)

    lines = parts[-1]["body"].split("\n")[2:]
    for line, choice in zip(lines, choices, strict=True):
        number, _, label = line.partition(". ")
        assert label == choice.label
        picked = to_event(SANNE, parse(text(number)), EVENT, menus)
        assert picked == ChoiceMade(SANNE, choice.id, "nonce-1", EVENT)
        by_key = reaction_event(SANNE, "$p0", KEYCAPS.get(int(number), number), EVENT, menus)
        assert by_key == ChoiceMade(SANNE, choice.id, "nonce-1", EVENT)


def _cost(part: str) -> int:
    """Bytes a part takes as ``body`` and ``formatted_body`` JSON strings."""
    return len(json.dumps(part)) + len(json.dumps(html.escape(part).replace("\n", "<br>")))


def _reply(event_id: str) -> dict[str, Any]:
    return {"m.in_reply_to": {"event_id": event_id}}
