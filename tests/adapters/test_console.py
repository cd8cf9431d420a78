"""The terminal chat adapter: pure rendering and translation; the stdin reader fed in-process."""

from __future__ import annotations

import asyncio
import errno
import io
import os
import stat
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from adapters.console.chat import CHANNEL, ConsoleAdapter, render, to_event
from bot.channels.events import (
    Address,
    ChoiceMade,
    CommandReceived,
    InboundEvent,
    Sender,
    TextReceived,
)
from bot.channels.parts import Attachment
from bot.channels.replies import Choice, Removal, Reply

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

ANNA = Sender(Address(CHANNEL, "anna"), display_name="anna")
QUESTION = Reply(
    ANNA.address,
    "Is anyone in immediate danger right now?",
    (Choice("yes", "Yes, someone is in danger now"), Choice("no", "No")),
    nonce="n-42",
)
WAIT = 5.0
"""Seconds an in-process reader gets to reach the end of its input (it needs milliseconds)."""


# --- render -------------------------------------------------------------------------------


def test_a_reply_without_choices_renders_as_its_text_alone() -> None:
    assert render(Reply(ANNA.address, "Your concerns:\nnone yet")) == "Your concerns:\nnone yet"


def test_choices_render_as_numbered_indented_lines_after_the_text() -> None:
    assert render(QUESTION) == (
        "Is anyone in immediate danger right now?\n  1) Yes, someone is in danger now\n  2) No"
    )


def test_ten_or_more_choices_keep_counting() -> None:
    many = Reply(ANNA.address, "Pick", tuple(Choice(str(i), f"Option {i}") for i in range(11)))

    lines = render(many).splitlines()

    assert lines[1] == "  1) Option 0"
    assert lines[-1] == "  11) Option 10"


# --- to_event -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1", " 1 ", "1\n", "01"])
def test_a_number_picks_that_choice_with_the_nonce_of_the_reply_that_offered_it(
    typed: str,
) -> None:
    assert to_event(typed, ANNA, QUESTION) == ChoiceMade(ANNA, "yes", "n-42")


@pytest.mark.parametrize("typed", ["No", "no", "NO", "  no  \n"])
def test_an_exact_label_in_any_case_picks_that_choice(typed: str) -> None:
    assert to_event(typed, ANNA, QUESTION) == ChoiceMade(ANNA, "no", "n-42")


@pytest.mark.parametrize("typed", ["0", "3", "9", "-1", "1.0", "²", "99999999999999999999"])
def test_a_number_that_is_not_offered_is_passed_on_as_text(typed: str) -> None:
    assert to_event(typed, ANNA, QUESTION) == TextReceived(ANNA, typed)


@pytest.mark.parametrize("typed", ["Nope", "No thanks", "Yes", ""])
def test_text_that_is_not_exactly_a_label_is_passed_on_as_text(typed: str) -> None:
    assert to_event(typed + "\n", ANNA, QUESTION) == TextReceived(ANNA, typed)


def test_a_number_before_any_choices_were_shown_is_text() -> None:
    assert to_event("1", ANNA, None) == TextReceived(ANNA, "1")


def test_a_number_after_a_reply_without_choices_is_text() -> None:
    assert to_event("1", ANNA, Reply(ANNA.address, "Noted.")) == TextReceived(ANNA, "1")


def test_a_typed_line_keeps_its_inner_whitespace_and_loses_only_the_line_end() -> None:
    assert to_event("  two  spaces \n", ANNA, None) == TextReceived(ANNA, "  two  spaces ")


def test_a_slash_command_with_arguments_becomes_a_command() -> None:
    assert to_event("/show K7Q-M3X\n", ANNA, None) == CommandReceived(ANNA, "show", "K7Q-M3X")


def test_a_command_is_a_command_even_while_choices_are_offered() -> None:
    assert to_event("/cancel", ANNA, QUESTION) == CommandReceived(ANNA, "cancel")


def test_a_command_addressed_to_a_bot_by_name_loses_the_name_and_its_case() -> None:
    event = to_event("/Status@concernbot  all of them", ANNA, None)

    assert event == CommandReceived(ANNA, "status", "all of them")


@pytest.mark.parametrize("typed", ["/", "/ new", "a /new"])
def test_a_slash_that_does_not_start_a_command_word_is_text(typed: str) -> None:
    assert to_event(typed, ANNA, None) == TextReceived(ANNA, typed)


# --- the adapter, fed lines in-process ------------------------------------------------------


class Recorder:
    """A sink that records each event; ``reply`` may answer an event the way the bot does."""

    def __init__(self, adapter: ConsoleAdapter) -> None:
        self.adapter = adapter
        self.events: list[InboundEvent] = []
        self.answers: dict[str, Reply] = {}

    async def handle(self, event: InboundEvent) -> None:
        self.events.append(event)
        if isinstance(event, TextReceived) and event.text in self.answers:
            await self.adapter.send(self.answers[event.text])

    async def respond(self, event: InboundEvent) -> list[Reply]:
        raise AssertionError("the terminal does not answer in place")

    async def shown(self, to: Address, slot: str, shown_id: str, reference: str) -> None:
        raise AssertionError("the terminal shows no forms")

    async def settle(self) -> None:
        pass


async def read_all(adapter: ConsoleAdapter) -> Recorder:
    """Start ``adapter`` with a recording sink and wait until it reports the end of input."""
    recorder = Recorder(adapter)
    await adapter.start(recorder)
    await asyncio.wait_for(adapter.finished.wait(), WAIT)
    return recorder


async def test_each_line_reaches_the_sink_in_order_and_the_end_of_input_finishes() -> None:
    adapter = ConsoleAdapter("anna", io.StringIO("/new\nhello there\n\n/status\n"), io.StringIO())

    recorder = await read_all(adapter)

    assert recorder.events == [
        CommandReceived(adapter.sender, "new"),
        TextReceived(adapter.sender, "hello there"),
        TextReceived(adapter.sender, ""),
        CommandReceived(adapter.sender, "status"),
    ]
    assert adapter.finished.is_set()


async def test_a_last_line_without_a_line_end_is_still_read() -> None:
    adapter = ConsoleAdapter("anna", io.StringIO("first\nlast"), io.StringIO())

    recorder = await read_all(adapter)

    assert [e.text for e in recorder.events if isinstance(e, TextReceived)] == ["first", "last"]


async def test_empty_input_finishes_without_any_event() -> None:
    adapter = ConsoleAdapter("anna", io.StringIO(""), io.StringIO())

    recorder = await read_all(adapter)

    assert recorder.events == []


async def test_piped_input_shows_no_prompt() -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter("anna", io.StringIO("hello\n"), out)

    await read_all(adapter)

    assert not adapter.interactive
    assert out.getvalue() == ""


async def test_a_number_refers_to_the_choices_printed_while_the_line_before_was_handled() -> None:
    adapter = ConsoleAdapter("anna", io.StringIO("start\n2\n"), io.StringIO())
    recorder = Recorder(adapter)
    recorder.answers["start"] = QUESTION

    await adapter.start(recorder)
    await asyncio.wait_for(adapter.finished.wait(), WAIT)

    assert recorder.events[1] == ChoiceMade(adapter.sender, "no", "n-42")


async def test_a_reply_prints_its_text_and_numbered_choices_on_a_line_of_its_own() -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter("anna", io.StringIO(""), out)

    await adapter.send(QUESTION)

    assert out.getvalue() == "\n" + render(QUESTION) + "\n"


async def test_a_reply_without_choices_keeps_the_earlier_choices_for_numbers() -> None:
    adapter = ConsoleAdapter("anna", io.StringIO("1\n"), io.StringIO())
    await adapter.send(QUESTION)
    await adapter.send(Reply(adapter.sender.address, "Please pick one of the options."))

    recorder = await read_all(adapter)

    assert recorder.events == [ChoiceMade(adapter.sender, "yes", "n-42")]


async def test_a_request_to_remove_messages_prints_nothing() -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter("anna", io.StringIO(""), out)

    await adapter.send(Removal(adapter.sender.address, ("7", "8")))

    assert out.getvalue() == ""


async def test_a_file_for_the_user_is_saved_readable_only_by_them_and_its_path_printed(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter("anna", io.StringIO(""), out, files=tmp_path / "exports")
    file = Attachment.text("../../mydata.json", '{"member": 1}')

    await adapter.send(
        Reply(adapter.sender.address, "Everything stored about you.", attachment=file)
    )

    saved = tmp_path / "exports" / "mydata.json"
    assert saved.read_text(encoding="utf-8") == '{"member": 1}'
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert f"[{saved}]" in out.getvalue()


class Terminal(io.StringIO):
    """Typed input at a terminal."""

    def isatty(self) -> bool:
        return True


async def test_at_a_terminal_a_prompt_is_shown_and_blank_lines_are_skipped() -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter("anna", Terminal("\n   \n/help\n"), out)

    recorder = await read_all(adapter)

    assert adapter.interactive
    assert recorder.events == [CommandReceived(adapter.sender, "help")]
    assert out.getvalue().startswith("> ")


async def test_bytes_that_are_not_valid_text_are_replaced_and_reading_goes_on() -> None:
    raw = io.BytesIO(b"/status\nbad \xff\xfe bytes\n/help\n")
    typed = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    adapter = ConsoleAdapter("anna", typed, io.StringIO())

    recorder = await read_all(adapter)

    assert recorder.events == [
        CommandReceived(adapter.sender, "status"),
        TextReceived(adapter.sender, "bad \ufffd\ufffd bytes"),
        CommandReceived(adapter.sender, "help"),
    ]


class VanishingTerminal(io.RawIOBase):
    """A terminal that gives one line, then goes away (reading fails with EIO)."""

    def __init__(self, first: bytes) -> None:
        self._first = first

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        if not self._first:
            raise OSError(errno.EIO, "Input/output error")
        size = len(self._first)
        memoryview(buffer)[:size] = self._first
        self._first = b""
        return size


async def test_input_that_fails_to_read_counts_as_its_end() -> None:
    terminal = io.TextIOWrapper(io.BufferedReader(VanishingTerminal(b"/status\n")), "utf-8")
    adapter = ConsoleAdapter("anna", terminal, io.StringIO())

    recorder = await read_all(adapter)

    assert recorder.events == [CommandReceived(adapter.sender, "status")]


async def test_stop_finishes_even_while_waiting_for_a_line() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, encoding="utf-8") as stdin:
        adapter = ConsoleAdapter("anna", stdin, io.StringIO())
        recorder = Recorder(adapter)
        await adapter.start(recorder)

        await adapter.stop()

        assert adapter.finished.is_set()
        os.close(write_end)  # let the reader thread see the end of input and finish
        for thread in threading.enumerate():
            if thread.name == "console-stdin":
                thread.join(WAIT)
    assert recorder.events == []


# --- an open step keeps the numbers (issue 17) ----------------------------------------------

ALERT = Reply(
    ANNA.address,
    "New concern shared: B2B-222",
    (Choice("act:ack:B2B-222", "Acknowledge", 1), Choice("act:status:B2B-222", "Update", 5)),
)


async def test_a_pushed_menu_while_a_step_is_open_shows_no_numbers_and_takes_none() -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter("anna", io.StringIO("1\nAcknowledge\n"), out, language="en")
    await adapter.send(QUESTION)
    await adapter.send(ALERT)

    recorder = await read_all(adapter)

    assert "  [Acknowledge]" in out.getvalue()
    assert "1) Acknowledge" not in out.getvalue()
    assert "type one of these options by its name" in out.getvalue()
    assert recorder.events[0] == ChoiceMade(adapter.sender, "yes", "n-42")
    assert recorder.events[1] == TextReceived(adapter.sender, "Acknowledge")  # for the step


async def test_once_the_dialog_ended_the_last_menu_takes_its_name_but_not_a_number() -> None:
    adapter = ConsoleAdapter("anna", io.StringIO("1\nacknowledge\n"), io.StringIO())
    await adapter.send(QUESTION)
    await adapter.send(ALERT)
    await adapter.send(Reply(ANNA.address, "Nothing was stored.", ends_dialog=True))

    recorder = await read_all(adapter)

    assert isinstance(recorder.events[0], TextReceived)  # never shown as a number
    assert recorder.events[1] == ChoiceMade(adapter.sender, "act:ack:B2B-222", None)


async def test_a_menu_shown_with_no_step_open_takes_its_fixed_numbers() -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter("anna", io.StringIO("5\n"), out)
    await adapter.send(ALERT)

    recorder = await read_all(adapter)

    assert "  1) Acknowledge\n  5) Update" in out.getvalue()
    assert recorder.events == [ChoiceMade(adapter.sender, "act:status:B2B-222", None)]
