"""Abuse limits: a token bucket per sender with one warning, then silent (counted) drops; size
limits with a clear message; one draft per member; invite-code guessing throttled."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app.composition import App
from bot.channels.events import Address, CommandReceived, FormSubmitted, Sender
from bot.channels.parts import FieldError
from bot.conversation.dialog import DialogState
from bot.conversation.text import MAX_ACCOUNT_CHARS, MAX_MESSAGE_CHARS
from bot.conversation.throttle import QUEUED_AT, arrival
from bot.domain.model import Role
from bot.settings import LimitSettings
from bot.share_script import share_path
from bot.storage.tables import attempts, dialog_states, outbox, questions
from bot.testing import (
    SHARE_SCRIPT,
    Chat,
    FakeClock,
    RecordingOutlet,
    example_settings,
    join,
    start_app,
)
from bot.usecases.invites import create_invite

SLOW_DOWN = (
    "You are sending messages faster than I can handle. I will ignore new messages for a "
    "short while; please wait a minute and try again."
)
UP_TO_FACTS = share_path().before("facts")


@dataclass
class Bench:
    """A bot with [limits] burst 5 and 60 a minute, two reporters and a coordinator."""

    app: App
    clock: FakeClock
    rita: Chat
    rob: Chat
    carl: Chat

    async def count(self, table: Any, *where: Any) -> int:
        """Rows in ``table`` matching ``where``."""
        async with self.app.engine.connect() as connection:
            query = select(func.count()).select_from(table).where(*where)
            return int((await connection.execute(query)).scalar_one())

    async def draft(self, chat: Chat) -> DialogState | None:
        """The member's stored dialog state."""
        assert chat.member.id is not None
        async with self.app.uow() as uow:
            return await uow.dialogs.load(chat.member.id)


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[Bench]:
    """The bot with tight limits on a fresh database."""
    settings = example_settings(tmp_path / "bot.db")
    settings = dataclasses.replace(
        settings, limits=LimitSettings(messages_burst=5, messages_per_minute=60)
    )
    clock = FakeClock()
    app = await start_app(settings, clock)
    try:
        outlet = RecordingOutlet()
        rita = await join(app, outlet, "rita")
        rob = await join(app, outlet, "rob")
        carl = await join(app, outlet, "carl", Role.COORDINATOR)
        yield Bench(app, clock, rita, rob, carl)
    finally:
        await app.close()


# --- the token bucket ----------------------------------------------------------------------


async def test_the_sixth_rapid_message_gets_one_warning_and_later_ones_are_dropped_but_counted(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.conversation.core")
    for _ in range(5):
        assert await bench.rita.say("/help")
    queued = await bench.count(outbox)

    sixth = await bench.rita.say("/help")
    dropped = [await bench.rita.say(line) for line in ("/new", "/status", "hello", "/mydata")]

    assert [r.text for r in sixth] == [SLOW_DOWN]
    assert dropped == [[], [], [], []]
    assert await bench.draft(bench.rita) is None
    assert await bench.count(outbox) == queued + 1  # the warning, nothing else
    key = attempts.c.key == "ratewarn:console:rita"
    async with bench.app.engine.connect() as connection:
        counted = (await connection.execute(select(attempts.c.count).where(key))).scalar_one()
    assert counted == 5
    throttled = [r for r in caplog.records if r.getMessage() == "throttled a sender on console"]
    assert len(throttled) == 5


async def test_a_flood_queued_behind_slow_turns_is_judged_by_when_it_arrived(
    bench: Bench,
) -> None:
    # Six messages arrive at once; each turn comes 12 s after the one before (as when every
    # reply waits out Telegram's per-chat limit). By the turns' own times the bucket (5, one a
    # second) would have refilled; by arrival the sixth is one too many.
    replies = []
    for turn in range(6):
        token = QUEUED_AT.set(time.monotonic() - 12 * turn)
        try:
            replies.append(await bench.rita.say("/help"))
        finally:
            QUEUED_AT.reset(token)
        bench.clock.advance(seconds=12)
    assert all(replies[:5])
    assert [r.text for r in replies[5]] == [SLOW_DOWN]


async def test_an_event_queued_half_a_minute_ago_arrived_half_a_minute_before_now() -> None:
    now = FakeClock().now()
    token = QUEUED_AT.set(time.monotonic() - 30)
    try:
        arrived = arrival(now)
    finally:
        QUEUED_AT.reset(token)
    assert now - timedelta(seconds=31) < arrived <= now - timedelta(seconds=30)
    assert arrival(now) == now


async def test_a_throttled_sender_is_heard_again_as_the_bucket_refills(bench: Bench) -> None:
    for _ in range(6):
        await bench.rita.say("/help")

    bench.clock.advance(seconds=1)
    one_token = await bench.rita.say("/new")
    at_once = await bench.rita.say("#no")
    bench.clock.advance(minutes=1)
    refilled = [await bench.rita.say("/help") for _ in range(5)]
    flooded_again = await bench.rita.say("/help")

    assert one_token
    assert one_token[-1].choices
    assert at_once == []  # still no token, and no second warning within the minute
    draft = await bench.draft(bench.rita)
    assert draft is not None
    assert draft.step == "safety"
    assert all(replies for replies in refilled)
    assert [r.text for r in flooded_again] == [SLOW_DOWN]


async def test_one_senders_flood_does_not_throttle_anyone_else(bench: Bench) -> None:
    for _ in range(10):
        await bench.rita.say("/help")

    assert await bench.rob.say("/help")
    assert await bench.carl.say("/list")


async def test_a_redelivered_event_does_not_take_a_token(bench: Bench) -> None:
    event = CommandReceived(Sender(bench.rita.address), "help", event_id="update-1")

    for _ in range(10):
        await bench.app.bot.handle(event)
    answered = [await bench.rita.say("/help") for _ in range(4)]

    assert all(answered)


# --- sizes ---------------------------------------------------------------------------------


async def test_an_oversized_message_is_refused_with_a_clear_message_and_nothing_is_kept(
    bench: Bench,
) -> None:
    for line in UP_TO_FACTS:
        bench.clock.advance(seconds=5)
        await bench.rita.script([line])
    bench.clock.advance(seconds=5)

    refused = await bench.rita.say("x" * (MAX_ACCOUNT_CHARS + 1))
    bench.clock.advance(seconds=5)
    accepted = await bench.rita.say("y" * MAX_MESSAGE_CHARS)

    assert refused[-1].text.startswith(
        "Not added: that message (20001 characters) would take this answer past its limit "
        "of 20000 characters. Nothing of this answer is kept yet."
    )
    assert accepted[-1].text.startswith("Noted (4096 characters so far).")
    draft = await bench.draft(bench.rita)
    assert draft is not None
    assert draft.answers["facts"] == ["y" * MAX_MESSAGE_CHARS]


async def test_an_account_part_beyond_the_total_limit_is_refused_with_a_clear_message(
    bench: Bench,
) -> None:
    for line in UP_TO_FACTS:
        bench.clock.advance(seconds=5)
        await bench.rita.script([line])
    for _ in range(5):  # pieces of one paste: they join into one text of the limit's length
        bench.clock.advance(seconds=5)
        await bench.rita.say("z" * (MAX_ACCOUNT_CHARS // 5))
    bench.clock.advance(seconds=5)

    refused = await bench.rita.say("one more word")

    assert refused[-1].text.startswith(
        "Not added: that message (13 characters) would take this answer past its limit "
        "of 20000 characters. Kept: 20000 characters"
    )
    draft = await bench.draft(bench.rita)
    assert draft is not None
    assert sum(len(part) for part in draft.answers["facts"]) == MAX_ACCOUNT_CHARS


async def test_an_oversized_question_in_a_slack_form_is_refused_for_that_field(
    bench: Bench,
) -> None:
    for line in SHARE_SCRIPT:
        bench.clock.advance(seconds=5)
        await bench.rita.script([line])
    assert bench.rita.member.id is not None
    async with bench.app.uow() as uow:
        (concern,) = await uow.concerns.of_reporter(bench.rita.member.id)
    form = FormSubmitted(
        Sender(bench.carl.address),
        "ask",
        {"reference": concern.reference, "question": "q" * (MAX_MESSAGE_CHARS + 1)},
    )

    replies = await bench.app.bot.respond(form)

    assert [(r.text, r.error) for r in replies] == [
        ("The question is too long.", FieldError("question"))
    ]
    assert await bench.count(questions) == 0


# --- drafts --------------------------------------------------------------------------------


@pytest.mark.parametrize("second", ["/new", "/forgetme", "/language", "/settings"])
async def test_a_member_has_at_most_one_draft_and_cannot_start_another_dialog_during_it(
    bench: Bench, second: str
) -> None:
    for line in UP_TO_FACTS:
        bench.clock.advance(seconds=5)
        await bench.rita.script([line])
    before = await bench.draft(bench.rita)
    bench.clock.advance(seconds=5)

    replies = await bench.rita.say(second)

    assert replies[-1].text.startswith(
        "You are in the middle of sharing a concern. Finish it first, or stop it with /cancel."
    )
    assert await bench.draft(bench.rita) == before
    assert await bench.count(dialog_states) == 1


# --- invite codes --------------------------------------------------------------------------


async def invite(bench: Bench) -> str:
    """A fresh invitation code for a reporter."""
    async with bench.app.uow() as uow:
        code = await create_invite(
            uow,
            bench.app.settings,
            "jongerenwerk-noord",
            Role.REPORTER,
            timedelta(days=7),
            bench.clock.now(),
        )
        await uow.commit()
    return code


async def start(bench: Bench, user: str, argument: str, after: float = 5) -> str:
    """A stranger follows an invite link with ``argument`` ``after`` seconds; the answer."""
    bench.clock.advance(seconds=after)
    guesser = Sender(Address("telegram", user), f"User{user}", "en")
    replies = await bench.app.bot.respond(CommandReceived(guesser, "start", argument))
    return replies[0].text


INVALID = "This invitation code is not valid. Check the link, or ask for a new invitation."


async def test_after_five_wrong_codes_the_real_one_is_taken_after_a_five_minute_cool_down(
    bench: Bench,
) -> None:
    code = await invite(bench)
    wrong = [await start(bench, "31337", f"WRONG{n}ABCDEFG") for n in range(5)]
    blocked = await start(bench, "31337", code)
    bench.clock.advance(minutes=2)
    later = await start(bench, "31337", code)
    bench.clock.advance(seconds=170)
    admitted = await start(bench, "31337", code)

    assert set(wrong) == {INVALID}
    # The fifth wrong code came 5 s before: 4 min 55 s to go, then 2 min 50 s.
    assert blocked == "Too many invalid codes. Please try the link again in 5 min."
    assert later == "Too many invalid codes. Please try the link again in 3 min."
    assert admitted.startswith("Welcome.")


async def test_a_wrong_code_after_the_cool_down_starts_another(bench: Bench) -> None:
    code = await invite(bench)
    for n in range(5):
        await start(bench, "31337", f"WRONG{n}ABCDEFG")
    bench.clock.advance(minutes=5)
    sixth = await start(bench, "31337", "WRONG5ABCDEFG")
    blocked = await start(bench, "31337", code)

    assert sixth == INVALID
    assert blocked == "Too many invalid codes. Please try the link again in 5 min."


async def test_a_burst_of_wrong_codes_from_many_accounts_refuses_every_code_for_a_minute(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.usecases.invites")
    code = await invite(bench)
    guesses = [f"GUESS{n:02}ABCDEF" for n in range(20)]
    wrong = [await start(bench, str(40000 + n), g, after=1) for n, g in enumerate(guesses)]
    refused = await start(bench, "50000", code)
    bench.clock.advance(seconds=60)
    admitted = await start(bench, "50000", code)

    assert set(wrong) == {INVALID}
    assert refused == (
        "Too many invalid invitation codes are being tried at the moment, so no code is taken "
        "now. Please try the link again in 1 min."
    )
    assert admitted.startswith("Welcome.")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["invite codes refused for everyone: 20 wrong codes within 60 s"]
    assert not any(guess in line or code in line for guess in guesses for line in lines)
