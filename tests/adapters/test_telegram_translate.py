"""Telegram translation, rendering and send limits: pure, against recorded-shape payloads."""

from __future__ import annotations

import asyncio
import contextlib
import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from telegram import Bot, Update

from adapters.ratelimit import SendLimiter
from adapters.telegram.translate import (
    MAX_CALLBACK_BYTES,
    MAX_TEXT,
    callback_data,
    parse_callback,
    render,
    split_text,
    to_event,
)
from bot.channels.events import (
    Address,
    ChoiceMade,
    CommandReceived,
    TextReceived,
    UnsupportedReceived,
)
from bot.channels.replies import Choice, Reply
from bot.conversation.text_units import utf16_len

PAYLOADS = Path(__file__).parent / "payloads"
BOT = Bot("123:TEST")
SANNE = "482913377"


def payload(name: str) -> dict[str, Any]:
    """A recorded-shape update, as Telegram sends it."""
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def update(name: str) -> Update:
    """A recorded-shape update, parsed by python-telegram-bot."""
    parsed = Update.de_json(payload(name), BOT)
    assert parsed is not None
    return parsed


# --- translation in -----------------------------------------------------------------------


def test_a_private_text_message_becomes_text_with_its_message_id_and_the_update_id() -> None:
    event = to_event(update("private_text"))

    assert isinstance(event, TextReceived)
    assert event.text == payload("private_text")["message"]["text"]
    assert event.message_id == "311"
    assert event.event_id == "905110001"
    assert event.sender.address == Address("telegram", SANNE)
    assert event.sender.display_name == "Sanne de Vries"
    assert event.sender.language == "nl"


def test_a_forwarded_text_is_marked_forwarded_and_is_never_a_command() -> None:
    event = to_event(update("forwarded_text"))
    own = to_event(update("private_text"))

    assert isinstance(event, TextReceived)
    assert event.forwarded is True
    assert event.text == payload("forwarded_text")["message"]["text"]
    assert event.message_id == "341"
    assert isinstance(own, TextReceived)
    assert own.forwarded is False


def test_start_with_an_invite_code_becomes_the_start_command_with_the_code() -> None:
    event = to_event(update("start_with_code"))

    assert isinstance(event, CommandReceived)
    assert event == CommandReceived(event.sender, "start", "K7QM3XPA2B9C", event_id="905110002")


def test_a_command_addressed_to_the_bot_by_name_loses_the_name_and_keeps_its_arguments() -> None:
    event = to_event(update("command_with_botname"))

    assert isinstance(event, CommandReceived)
    assert (event.command, event.args, event.event_id) == ("status", "all", "905110003")


def test_a_button_press_becomes_a_choice_with_the_step_nonce() -> None:
    event = to_event(update("callback_query"))

    assert isinstance(event, ChoiceMade)
    assert (event.choice_id, event.nonce, event.event_id) == ("no", "a1b2c3.1", "905110004")
    assert event.sender.address == Address("telegram", SANNE)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("photo", "photo"),
        ("sticker", "sticker"),
        ("voice", "voice"),
        ("video", "video"),
        ("document", "document"),
        ("location", "location"),
        ("contact", "contact"),
        ("edited_message", "edit"),
    ],
)
def test_media_and_edits_become_unsupported_with_their_kind(name: str, kind: str) -> None:
    event = to_event(update(name))

    assert isinstance(event, UnsupportedReceived)
    assert event.kind == kind
    assert event.sender.address == Address("telegram", SANNE)
    assert event.event_id == str(payload(name)["update_id"])


@pytest.mark.parametrize("name", ["group_message", "my_chat_member_added_to_group", "channel_post"])
def test_groups_and_channels_are_ignored(name: str) -> None:
    assert to_event(update(name)) is None


def test_a_message_from_another_bot_is_ignored() -> None:
    data = payload("private_text")
    data["message"]["from"]["is_bot"] = True

    assert to_event(Update.de_json(data, BOT)) is None


# --- callback data ------------------------------------------------------------------------


def test_callback_data_carries_the_nonce_and_the_choice_and_parses_back() -> None:
    data = callback_data("a1b2c3.17", "own_observation")

    assert parse_callback(data) == ("a1b2c3.17", "own_observation")
    assert parse_callback(callback_data(None, "act:ack:K7Q-M3X")) == (None, "act:ack:K7Q-M3X")


@pytest.mark.parametrize("foreign", ["", "no", "something-else", "\u00e9\u00e9n"])
def test_foreign_callback_data_yields_no_nonce_and_the_data_as_an_unknown_choice(
    foreign: str,
) -> None:
    assert parse_callback(foreign) == (None, foreign)


def test_callback_data_that_would_exceed_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        callback_data("a1b2c3.1", "é" * 30)


# --- rendering out ------------------------------------------------------------------------


def reply(text: str, choices: tuple[Choice, ...] = (), nonce: str | None = None) -> Reply:
    """A reply to the recorded user."""
    return Reply(Address("telegram", SANNE), text, choices, nonce)


def test_a_short_reply_is_one_message_to_the_chat_with_its_buttons() -> None:
    [only] = render(reply("Pick one", (Choice("yes", "Yes"), Choice("no", "No")), "a1.2"))

    assert only.chat_id == int(SANNE)
    assert only.text == "Pick one"
    assert only.keyboard is not None
    rows = only.keyboard.inline_keyboard
    assert [[(b.text, b.callback_data) for b in row] for row in rows] == [
        [("Yes", "a1.2|yes")],
        [("No", "a1.2|no")],
    ]


def test_a_reply_without_choices_has_no_keyboard_and_is_sent_without_parse_mode() -> None:
    [only] = render(reply("Use <b>no</b> *names*_ [please](x)"))

    assert only.keyboard is None
    assert only.text == "Use <b>no</b> *names*_ [please](x)"


def test_a_long_reply_is_split_with_the_buttons_only_on_the_last_part() -> None:
    paragraph = "An observation that goes on for a while. " * 40
    text = "\n\n".join(paragraph.strip() for _ in range(8))
    parts = render(reply(text, (Choice("confirm", "Share it"),), "n.9"))

    assert len(parts) > 1
    assert all(len(p.text) <= MAX_TEXT for p in parts)
    assert [p.keyboard is not None for p in parts] == [False] * (len(parts) - 1) + [True]
    assert "".join("".join(p.text.split()) for p in parts) == "".join(text.split())


def test_every_callback_data_fits_telegrams_64_bytes() -> None:
    choices = (
        Choice("act:details:K7Q-M3X", "View details"),
        Choice("act:answer:123456789", "Answer"),
        Choice("talked_colleague", "Talked to a colleague"),
    )
    [only] = render(reply("Actions", choices, "abcdef.999"))

    assert only.keyboard is not None
    for row in only.keyboard.inline_keyboard:
        for button in row:
            assert isinstance(button.callback_data, str)
            assert len(button.callback_data.encode()) <= MAX_CALLBACK_BYTES


def test_a_split_prefers_a_paragraph_break_over_a_later_line_break() -> None:
    first = "a" * 3000
    second = "b" * 500 + "\n" + "c" * 500
    text = first + "\n\n" + second + "\n" + "d" * 200

    parts = split_text(text)

    assert parts[0] == first
    assert parts[1] == second + "\n" + "d" * 200


def test_a_split_without_paragraphs_falls_back_to_line_then_word_boundaries() -> None:
    lines = "\n".join(("word " * 15).strip() for _ in range(80))
    by_line = split_text(lines)
    words = " ".join(["word"] * 2000)
    by_word = split_text(words)

    assert all(part.endswith("word") for part in by_line + by_word)
    assert all(part.startswith("word") for part in by_line + by_word)


def test_leading_whitespace_longer_than_half_the_limit_makes_no_empty_part() -> None:
    assert split_text(" " * 50 + "word", 20) == ["word"]


def test_text_without_any_boundary_is_cut_hard_at_the_limit() -> None:
    parts = split_text("x" * (MAX_TEXT * 2 + 5))

    assert [len(p) for p in parts] == [MAX_TEXT, MAX_TEXT, 5]


def test_an_empty_reply_still_sends_something_telegram_accepts() -> None:
    [only] = render(reply(""))

    assert only.text


def test_an_emoji_heavy_text_is_split_by_utf16_units_not_python_characters() -> None:
    text = "\U0001f600" * 4000  # 4000 characters for Python, 8000 units for Telegram

    parts = split_text(text)

    assert len(text) <= MAX_TEXT < utf16_len(text)
    assert [utf16_len(p) for p in parts] == [MAX_TEXT, 8000 - MAX_TEXT]
    assert "".join(parts) == text


def test_a_split_never_cuts_a_surrogate_pair_in_two() -> None:
    text = "a" + "\U0001f600" * 10  # at 20 units, the boundary falls inside an emoji

    parts = split_text(text, 20)

    assert parts == ["a" + "\U0001f600" * 9, "\U0001f600"]


_PIECES = st.sampled_from(
    [
        "word",
        "x" * 300,
        " ",
        "  ",
        "\n",
        "\n\n",
        "é",
        "\u2022 item",
        "\U0001f600",
        "\U0001f469\u200d\U0001f4bb",
    ]
)


@given(st.lists(_PIECES, max_size=400), st.integers(min_value=20, max_value=400))
@example([" "] * 50 + ["word"], 20)
@example(["\n"] * 50 + ["x" * 300], 20)
def test_split_parts_fit_are_never_empty_and_lose_nothing_but_whitespace(
    pieces: list[str], limit: int
) -> None:
    text = "".join(pieces)

    parts = split_text(text, limit)

    assert all(utf16_len(p) <= limit for p in parts)
    assert "".join("".join(p.split()) for p in parts) == "".join(text.split())
    if text.strip():
        assert all(p.strip() for p in parts)


# --- send limits --------------------------------------------------------------------------


class FakeTime:
    """A monotonic clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        """The current fake time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Advance the fake time instead of waiting."""
        self.slept.append(seconds)
        self.now += seconds


def limiter(time: FakeTime) -> SendLimiter:
    """Telegram's limits: 30 a second overall, 1 a second per chat with a burst of 3."""
    return SendLimiter(30.0, 1.0, 3.0, monotonic=time.monotonic, sleep=time.sleep)


PACE = 1 / (30 / 1.03)
"""Seconds between two sends at the overall pace: 30 in any 1.03 s, a 3 % margin."""


def busiest(times: list[float], window: float) -> int:
    """The most sends within any ``window`` seconds (as the platform counts them)."""
    return max(sum(1 for t in times if start <= t < start + window - 1e-9) for start in times)


async def send_to_chats(limits: SendLimiter, time: FakeTime, chats: int) -> list[float]:
    """One message to each of ``chats`` chats; when each was let go, from the start."""
    sent_at = []
    for chat in range(chats):
        await limits.wait(str(chat))
        sent_at.append(time.now - 100.0)
    return sent_at


async def test_a_chat_gets_a_burst_of_three_then_one_message_a_second() -> None:
    time = FakeTime()
    limits = limiter(time)
    sent_at = []
    for _ in range(6):
        await limits.wait("42")
        sent_at.append(time.now - 100.0)

    # The burst of three is spread at the overall pace; then the chat's own limit holds.
    assert sent_at == pytest.approx([0, PACE, 2 * PACE, 1, 2, 3])


async def test_one_busy_chat_does_not_slow_down_another() -> None:
    time = FakeTime()
    limits = limiter(time)
    for _ in range(3):
        await limits.wait("42")

    assert limits.delay_for("43") == 0.0
    assert limits.delay_for("42") == pytest.approx(1.0 - 2 * PACE)


async def test_never_more_than_thirty_messages_in_any_second_even_at_the_start() -> None:
    time = FakeTime()
    limits = limiter(time)

    sent_at = await send_to_chats(limits, time, 120)

    assert busiest(sent_at, 1.0) <= 30
    assert busiest(sent_at, 1.03) <= 30  # the margin for requests that arrive a bit late


async def test_the_overall_pace_is_at_least_ninety_five_percent_of_the_limit() -> None:
    time = FakeTime()
    limits = limiter(time)

    sent_at = await send_to_chats(limits, time, 300)

    rate = (len(sent_at) - 1) / (sent_at[-1] - sent_at[0])
    assert 0.95 * 30 <= rate <= 30
    gaps = [b - a for a, b in pairwise(sent_at)]
    assert min(gaps) == pytest.approx(PACE)  # evenly spaced: no bursts


class LateTime(FakeTime):
    """A clock whose sleeps overshoot now and then, like a busy event loop."""

    def __init__(self, late: tuple[float, ...]) -> None:
        super().__init__()
        self.late = late

    async def sleep(self, seconds: float) -> None:
        """Advance by ``seconds`` and the next lateness of the pattern."""
        await super().sleep(seconds + self.late[len(self.slept) % len(self.late)])


async def test_late_wake_ups_neither_break_the_limit_nor_add_up_to_a_lower_rate() -> None:
    time = LateTime((0.0, 0.02, 0.0, 0.0, 0.03, 0.0, 0.01))
    limits = limiter(time)

    sent_at = await send_to_chats(limits, time, 300)

    assert busiest(sent_at, 1.0) <= 30
    rate = (len(sent_at) - 1) / (sent_at[-1] - sent_at[0])
    assert rate >= 0.95 * 30


async def test_after_a_pause_sends_resume_at_the_pace_not_all_at_once() -> None:
    time = FakeTime()
    limits = limiter(time)
    await send_to_chats(limits, time, 10)
    limits.pause(1.0)
    resumed = time.now + 1.0 - 100.0

    sent_at = await send_to_chats(limits, time, 40)

    assert sent_at[0] == pytest.approx(resumed)
    assert sum(1 for t in sent_at if t < resumed + 0.5) <= 2 + 0.5 / PACE


def test_waiting_callers_are_queued_one_after_another_for_the_same_chat() -> None:
    time = FakeTime()
    limits = limiter(time)

    delays = [limits.delay_for("42") for _ in range(6)]

    assert delays == pytest.approx([0, 0, 0, 1, 2, 3])


async def test_a_pause_after_too_many_requests_holds_every_chat() -> None:
    time = FakeTime()
    limits = limiter(time)
    await limits.wait("42")

    limits.pause(7.0)

    assert limits.delay_for("43") == pytest.approx(7.0)
    time.now += 5.0
    assert limits.delay_for("44") == pytest.approx(2.0)
    time.now += 2.0
    assert limits.delay_for("45") == 0.0


async def test_a_shorter_pause_does_not_cut_a_longer_one_short() -> None:
    time = FakeTime()
    limits = limiter(time)

    limits.pause(10.0)
    limits.pause(1.0)

    await limits.wait("42")
    assert time.slept == pytest.approx([10.0])


async def test_a_send_reported_done_late_is_counted_until_a_second_after_it_finished() -> None:
    time = FakeTime()
    limits = limiter(time)
    opened = limits.sending("0")
    await opened.__aenter__()  # reaches the platform only after half a second
    slow: contextlib.AbstractAsyncContextManager[None] | None = opened
    counted_at = []
    for chat in range(1, 90):
        if slow is not None and time.now - 100.0 >= 0.5:
            counted_at.append(time.now - 100.0)
            await slow.__aexit__(None, None, None)
            slow = None
        async with limits.sending(str(chat)):
            counted_at.append(time.now - 100.0)

    # Counted at the latest moment possible, the slow one still leaves every second in limit.
    assert busiest(counted_at, 1.0) <= 30


async def test_a_send_that_fails_is_no_longer_in_flight() -> None:
    time = FakeTime()
    limits = limiter(time)
    for chat in range(60):
        with contextlib.suppress(ConnectionError):
            async with limits.sending(str(chat)):
                raise ConnectionError

    await limits.wait("61")  # would wait for ever if the failed ones were still in flight
    assert time.now - 100.0 == pytest.approx(60 * PACE)


class YieldingTime(FakeTime):
    """A fake clock whose sleep also lets other tasks run."""

    async def sleep(self, seconds: float) -> None:
        """Advance, then yield to the event loop."""
        await super().sleep(seconds)
        await asyncio.sleep(0)


async def test_with_the_limits_worth_of_sends_in_flight_the_next_waits_for_them() -> None:
    time = YieldingTime()
    limits = limiter(time)
    async with contextlib.AsyncExitStack() as in_flight:
        for chat in range(30):
            await in_flight.enter_async_context(limits.sending(str(chat)))
        later = asyncio.create_task(limits.wait("99"))
        for _ in range(100):
            await asyncio.sleep(0)
        assert not later.done()
        finished = time.now
    await later

    assert time.now >= finished + 1.0
