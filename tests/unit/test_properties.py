"""Properties: whatever text, commands and callback data the channels hand over, their
translators and the dialog engine neither raise nor corrupt a state; input hygiene holds."""

from __future__ import annotations

import asyncio
import itertools
import json
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from telegram import Update

from adapters.console import chat as console
from adapters.slack import translate as slack
from adapters.telegram import translate as telegram
from bot.app.composition import App
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
from bot.channels.replies import Choice, Reply
from bot.conversation.dialog import (
    DONE,
    SKIP,
    Answer,
    DialogState,
    Transition,
    advance,
    render,
    start,
)
from bot.conversation.text import clean
from bot.domain.model import Concern, Member, Mode, Role
from bot.i18n import Translate, translator
from bot.testing import FakeClock, example_settings, start_app
from dialogs.share_concern import DIALOG

FAST = settings(max_examples=150, deadline=None)
STEPS = {step.key for step in DIALOG.steps}
CONTEXT: dict[str, Answer] = {"_retention_days": "365", "_ack_days": "2", "_feedback_days": "14"}
BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
ZERO_WIDTH = {0x180E, 0x200B, 0x2060, 0xFEFF}  # joiners: kept inside a sequence (test_text)
NASTY = "\x00\x01\x07\x1b\x7f\x85\r\n\t\u202e\u202d\u2066\u2069\u200b\u200d\u200e\u061c\ufeff\u00ad"

# Any Unicode a platform can carry (no lone surrogates), weighted towards the nasty parts.
texts = st.one_of(
    st.text(max_size=80),
    st.text(st.sampled_from(NASTY + "aé\u0301e1 /|:~"), max_size=40),
    st.text(st.characters(codec=None, exclude_categories=["Cs"]), max_size=40),
)
commands = st.builds(
    lambda name, bot, args: f"/{name}{bot} {args}".rstrip(),
    st.one_of(
        st.sampled_from(["start", "new", "cancel", "back", "help", "status", "erase", "mydata"]),
        st.text(st.characters(codec=None, exclude_categories=["Cs", "Zs"]), min_size=1),
    ),
    st.sampled_from(["", "@concern_test_bot", "@other"]),
    texts,
)
lines = st.one_of(texts, commands)
callback_data = st.one_of(
    texts,
    st.builds(lambda n, c: f"{n}|{c}", texts, texts),
    st.builds(lambda verb, arg: f"|act:{verb}:{arg}", st.sampled_from(["ack", "useful"]), texts),
)


# --- channel payloads ----------------------------------------------------------------------

ids = st.integers(min_value=-(2**52), max_value=2**52)
users = st.fixed_dictionaries(
    {"id": st.integers(1, 2**52), "is_bot": st.booleans(), "first_name": texts},
    optional={
        "last_name": texts,
        "username": st.from_regex(r"[a-z][a-z0-9_]{4,20}", fullmatch=True),
        "language_code": st.one_of(st.sampled_from(["nl", "en", "de", "nl-BE"]), texts),
    },
)
chats = st.fixed_dictionaries(
    {"id": ids, "type": st.sampled_from(["private", "group", "supergroup", "channel"])},
    optional={"first_name": texts, "title": texts},
)
PHOTO = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
messages = st.fixed_dictionaries(
    {"message_id": st.integers(1, 2**31), "date": st.integers(0, 2**31), "chat": chats},
    optional={
        "from": users,
        "text": lines,
        "photo": st.just(PHOTO),
        "caption": texts,
        "location": st.just({"latitude": 52.1, "longitude": 5.1}),
    },
)
callback_queries = st.fixed_dictionaries(
    {"id": texts, "from": users, "chat_instance": texts},
    optional={"data": callback_data, "message": messages},
)
telegram_updates = st.one_of(
    st.fixed_dictionaries({"update_id": st.integers(0, 2**31), "message": messages}),
    st.fixed_dictionaries({"update_id": st.integers(0, 2**31), "edited_message": messages}),
    st.fixed_dictionaries({"update_id": st.integers(0, 2**31), "callback_query": callback_queries}),
    st.fixed_dictionaries({"update_id": st.integers(0, 2**31)}),
)

slack_users = st.fixed_dictionaries(
    {}, optional={"id": texts, "name": texts, "team_id": texts, "username": texts}
)
slack_teams = st.fixed_dictionaries({}, optional={"id": texts, "domain": texts})
slack_actions = st.fixed_dictionaries(
    {},
    optional={
        "action_id": st.one_of(texts, st.builds(lambda v: f"act:{v}", texts)),
        "value": texts,
        "action_ts": texts,
        "type": st.just("button"),
    },
)
slack_elements = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("plain_text_input")}, optional={"value": st.one_of(st.none(), texts)}
    ),
    st.fixed_dictionaries(
        {"type": st.just("static_select")},
        optional={
            "selected_option": st.one_of(
                st.none(), st.fixed_dictionaries({}, optional={"value": texts})
            )
        },
    ),
)
slack_state = st.fixed_dictionaries(
    {},
    optional={
        "values": st.dictionaries(
            texts, st.dictionaries(texts, slack_elements, max_size=2), max_size=4
        )
    },
)
slack_views = st.fixed_dictionaries(
    {},
    optional={
        "id": texts,
        "type": st.just("modal"),
        "callback_id": st.one_of(st.sampled_from(["ask", "status"]), texts),
        "private_metadata": texts,
        "state": slack_state,
    },
)
slack_bodies = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("block_actions")},
        optional={
            "user": slack_users,
            "team": slack_teams,
            "actions": st.lists(slack_actions, max_size=3),
            "trigger_id": texts,
        },
    ),
    st.fixed_dictionaries(
        {"type": st.just("view_submission")},
        optional={"user": slack_users, "team": slack_teams, "view": slack_views},
    ),
    st.fixed_dictionaries(
        {"command": st.just("/concern")},
        optional={"text": lines, "user_id": texts, "team_id": texts, "user_name": texts},
    ),
    st.fixed_dictionaries({}, optional={"type": texts, "token": texts}),
)


# Lighter payloads for the many turns of one dialog: what a reporter's private chat sends.
turn_lines = st.one_of(
    st.text(st.sampled_from(NASTY + "aé\u0301 1/|:~"), max_size=20),
    st.sampled_from(
        ["/cancel", "/back", "/help", "/new", "/status", "Done", "Skip", "2", "x" * 4001]
    ),
)
PRIVATE = {"id": 42, "type": "private", "first_name": "Rita"}
REPORTER = {"id": 42, "is_bot": False, "first_name": "Rita", "language_code": "nl"}
words = st.builds(lambda a, b: f"{a} {b}", st.sampled_from(["He said", "A pupil"]), turn_lines)
turn_updates = st.one_of(
    st.builds(
        lambda n, text: {
            "update_id": n,
            "message": {
                "message_id": n,
                "date": 0,
                "chat": PRIVATE,
                "from": REPORTER,
                "text": text,
            },
        },
        st.integers(1, 2**31),
        turn_lines,
    ),
    st.builds(
        lambda n, data: {
            "update_id": n,
            "callback_query": {"id": str(n), "from": REPORTER, "chat_instance": "c", "data": data},
        },
        st.integers(1, 2**31),
        callback_data,
    ),
)
turn_bodies = st.builds(
    lambda kind, value: {
        "type": kind,
        "user": {"id": "U1", "team_id": "T1"},
        "actions": [{"action_id": "act:status", "value": value}],
        "view": {"callback_id": "status", "private_metadata": value, "state": {"values": {}}},
    },
    st.sampled_from(["block_actions", "view_submission"]),
    texts,
)


def _telegram(update: dict[str, Any]) -> InboundEvent | None:
    return telegram.to_event(Update.de_json(update, None))


# --- the engine, fed by the translators ----------------------------------------------------


def _check_state(state: DialogState) -> None:
    assert state.dialog == DIALOG.name
    assert state.step in STEPS
    for value in state.answers.values():
        assert isinstance(value, str) or all(isinstance(v, str) for v in value)
    stored = state.to_json()
    json.loads(stored)
    stored.encode("utf-8")
    assert DialogState.from_json(stored) == state


def _check_transition(transition: Transition) -> None:
    for said in transition.said:
        assert isinstance(said.text, str)
        assert said.text
        assert len({c.id for c in said.choices}) == len(said.choices)
    if transition.state is not None:
        _check_state(transition.state)


def _shown(state: DialogState, language: str) -> Reply:
    said = render(DIALOG, state, translator(language))
    return Reply(Address("console", "me"), said.text, said.choices, said.nonce)


@FAST
@given(update=telegram_updates)
def test_any_telegram_update_translates_without_raising_to_an_event_or_nothing(
    update: dict[str, Any],
) -> None:
    event = _telegram(update)

    if event is not None:
        assert event.sender.address.channel == "telegram"
        assert event.event_id == str(update["update_id"])
        chat = (update.get("message") or update.get("edited_message") or {}).get("chat")
        if chat is not None:
            assert chat["type"] == "private"


@FAST
@given(body=slack_bodies)
def test_any_slack_body_translates_without_raising_to_an_event_or_nothing(
    body: dict[str, Any],
) -> None:
    event = slack.event_of(body)

    if isinstance(event, ChoiceMade):
        assert event.choice_id.startswith("act:")
    if isinstance(event, FormSubmitted):
        assert all(isinstance(v, str) for v in event.values.values())
        assert event.event_id is not None
    if isinstance(event, CommandReceived):
        assert event.command in ("start", *slack.SLASH_VERBS)


@FAST
@given(line=lines, labels=st.lists(texts, max_size=5), nonce=st.one_of(st.none(), texts))
def test_any_console_line_translates_without_raising(
    line: str, labels: list[str], nonce: str | None
) -> None:
    last = Reply(
        Address("console", "me"),
        "pick one",
        tuple(Choice(f"c{i}", label) for i, label in enumerate(labels)),
        nonce,
    )
    sender = Sender(Address("console", "me"))

    event = console.to_event(line, sender, last)

    assert isinstance(event, TextReceived | CommandReceived | ChoiceMade)
    if isinstance(event, ChoiceMade):
        assert event.choice_id in {c.id for c in last.choices}


# The way forward from each step, to start a property anywhere in the dialog.
_FORWARD = {
    "safety": "no",
    "privacy": "continue",
    "mode": "share",
    "subject": "person",
    "age_band": "16_17",
    "setting": "school",
    "frequency": "ongoing",
    "informed": "yes",
    "facts": DONE,
    "source": "own_observation",
    "interpretation": SKIP,
    "counter_signals": SKIP,
    "actions_taken": DONE,
    "urgency": "week",
    "contact": "yes",
    "identity": "pseudonym",
    "summary": "edit",
}


def _drive_to(key: str, t: Translate) -> DialogState:
    begun = start(DIALOG, "ab12cd", t, CONTEXT)
    assert begun.state is not None
    state = begun.state
    sender = Sender(Address("console", "me"))
    while state.step not in (key, "edit_pick"):
        event: InboundEvent = ChoiceMade(sender, _FORWARD[state.step], state.nonce)
        if state.step == "facts" and "facts" not in state.answers:
            event = TextReceived(sender, "A pupil praised an attack.", message_id="7")
        moved = advance(DIALOG, state, event, t).state
        assert moved is not None
        state = moved
    return state


@FAST
@given(data=st.data(), language=st.sampled_from(["nl", "en"]))
def test_translated_events_of_every_channel_never_break_the_share_dialog(
    data: st.DataObject, language: str
) -> None:
    t = translator(language)
    state = _drive_to(data.draw(st.sampled_from(sorted(STEPS)), label="starting at"), t)
    sender = Sender(Address("console", "me"))
    for _ in range(data.draw(st.integers(1, 30), label="turns")):
        channel = data.draw(st.sampled_from(["console", "console", "telegram", "slack"]))
        event: InboundEvent | None
        if channel == "console":
            # Numbers pick the choices shown, so the dialog gets deep as often as not.
            shown = _shown(state, language)
            numbers = st.integers(1, max(len(shown.choices), 1)).map(str)
            line = data.draw(st.one_of(numbers, numbers, numbers, words, turn_lines))
            event = console.to_event(line, sender, shown)
        elif channel == "telegram":
            update = data.draw(turn_updates)
            if "callback_query" in update and data.draw(st.booleans()):
                shown = _shown(state, language)
                picked = data.draw(st.sampled_from([*shown.choices, Choice("x", "x")]))
                update["callback_query"]["data"] = f"{shown.nonce or ''}|{picked.id}"
            event = _telegram(update)
        else:
            event = slack.event_of(data.draw(turn_bodies))
        if event is None:
            continue

        transition = advance(DIALOG, state, event, t)

        _check_transition(transition)
        if transition.state is None:
            assert transition.cancelled or transition.completed is not None
            transition = start(DIALOG, "ef34ab", t, CONTEXT)
            assert transition.state is not None
        state = transition.state


@FAST
@given(
    kind=st.sampled_from(["photo", "sticker", "edit", "other"]),
    command=st.text(max_size=20),
    args=texts,
)
def test_commands_and_unsupported_content_in_mid_dialog_never_raise(
    kind: str, command: str, args: str
) -> None:
    t = translator("en")
    begun = start(DIALOG, "ab12cd", t, CONTEXT)
    assert begun.state is not None
    sender = Sender(Address("telegram", "1"))

    for event in (
        UnsupportedReceived(sender, kind),
        CommandReceived(sender, command, args),
        FormSubmitted(sender, command, {"reference": args}),
    ):
        transition = advance(DIALOG, begun.state, event, t)
        _check_transition(transition)


# --- input hygiene -------------------------------------------------------------------------


@FAST
@given(text=texts)
def test_clean_is_idempotent_and_leaves_no_control_bidi_or_zero_width_characters(
    text: str,
) -> None:
    cleaned = clean(text)

    assert clean(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == cleaned.strip()
    for char in cleaned:
        assert unicodedata.category(char) != "Cc" or char in "\n\t", repr(char)
        assert ord(char) not in BIDI_CONTROLS, repr(char)
        assert ord(char) not in ZERO_WIDTH, repr(char)
    assert "\x00" not in cleaned  # PostgreSQL refuses NUL in text; SQLite would keep it


VARIATION_SELECTORS = "".join(map(chr, [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]))
"""Marks (Mn) that only mean something after a character: alone, hygiene removes them."""
HANGUL_FILLERS = "\u115f\u1160\u3164\uffa0"
"""Letters (Lo) that show as nothing: hygiene removes them on purpose (invisible names)."""


@FAST
@given(
    text=st.text(
        st.characters(
            categories=["L", "M", "N", "P", "S", "Zs"],
            exclude_characters="\u00ad" + VARIATION_SELECTORS + HANGUL_FILLERS,
        ),
        max_size=60,
    )
)
@example(text="a\ufe0f")  # a variation selector after its character is kept
def test_clean_keeps_ordinary_text_as_it_is(text: str) -> None:
    ordinary = unicodedata.normalize("NFC", text).strip()

    assert clean(ordinary) == ordinary
    assert clean("\u202e" + ordinary + "\u200b\x00") == ordinary


# --- storage -------------------------------------------------------------------------------


async def _reporter(app: App) -> int:
    async with app.uow() as uow:
        member = await uow.members.add(
            Member(
                id=None,
                network_id="demo",
                organisation_id="jongerenwerk-noord",
                role=Role.REPORTER,
                language="en",
                display_name="rita",
                pseudonym="R-PROP1",
                created_at=app.clock.now(),
            ),
            Address("console", "rita"),
        )
        await uow.commit()
    assert member.id is not None
    return member.id


async def _round_trip(app: App, reporter: int, reference: str, texts: list[str]) -> Concern:
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    facts, interpretation, counter = texts
    concern = Concern(
        id=None,
        reference=reference,
        network_id="demo",
        organisation_id="jongerenwerk-noord",
        reporter_id=reporter,
        mode=Mode.SHARE,
        subject="person",
        age_band="16_17",
        setting="school",
        source="own_observation",
        urgency="week",
        acute=False,
        contact_allowed=True,
        identity_shown=False,
        actions_taken=(),
        facts=facts,
        interpretation=interpretation,
        counter_signals=counter,
        created_at=now,
        acknowledge_due=now + timedelta(days=2),
        feedback_due=now + timedelta(days=14),
    )
    async with app.uow() as uow:
        await uow.concerns.add(concern)
        await uow.commit()
    async with app.uow() as uow:
        stored = await uow.concerns.by_reference(reference)
    assert stored is not None
    return stored


def test_cleaned_text_survives_a_real_database_round_trip_exactly(tmp_path: Path) -> None:
    # A SQLite file (or, with $CONCERNBOT_TEST_POSTGRES_URL, PostgreSQL, which refuses NUL).
    references = (f"P{n:05d}" for n in itertools.count())
    with asyncio.Runner() as runner:
        app = runner.run(start_app(example_settings(tmp_path / "bot.db"), FakeClock()))
        try:
            reporter = runner.run(_reporter(app))

            @FAST
            @given(raw=st.lists(texts, min_size=3, max_size=3))
            def round_trip(raw: list[str]) -> None:
                cleaned = [clean(text) for text in raw]
                stored = runner.run(_round_trip(app, reporter, next(references), cleaned))
                assert [stored.facts, stored.interpretation, stored.counter_signals] == cleaned

            round_trip()
        finally:
            runner.run(app.close())
