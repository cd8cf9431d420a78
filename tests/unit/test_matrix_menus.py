"""What numbers mean in a Matrix chat: the console's rules (issue 17 included), kept as JSON."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.matrix.menus import MAX_SHOWN, RoomMenus
from bot.channels.events import Address
from bot.channels.replies import Choice, Reply

SANNE = Address("matrix", "@sanne:localhost")
STEP = Reply(SANNE, "Is anyone in danger?", (Choice("yes", "Yes"), Choice("no", "No")), "n1")
ALERT = Reply(SANNE, "New concern K7Q-M3X", (Choice("ack", "Acknowledge"), Choice("v", "View")))
WRITING = Reply(SANNE, "Describe it", (Choice("done", "Done"), Choice("skip", "Skip")), "n2")
QUESTION = Reply(SANNE, "What happened?", (), "n3")
THANKS = Reply(SANNE, "Thank you, shared.", ends_dialog=True)
CANARY = "CANARY-label-5b1f"


def shown(*sent: tuple[Reply, str]) -> RoomMenus:
    """The memory after the bot sent each reply (one part, with the given event id)."""
    menus = RoomMenus()
    for reply, event_id in sent:
        menus.record(reply, [event_id], menus.numbers_for(reply))
    return menus


def test_an_alert_during_an_open_step_shows_no_numbers_and_a_typed_1_answers_the_step() -> None:
    menus = shown((STEP, "$step"))

    assert menus.numbers_for(ALERT) is False
    menus.record(ALERT, ["$alert"], False)

    assert menus.resolve_text("1", None) == ("yes", "n1")
    assert menus.resolve_text(" 2 ", None) == ("no", "n1")
    assert menus.resolve_reaction("$alert", "1️⃣") is None
    assert menus.resolve_text("1", "$alert") is None
    assert menus.resolve_text("Acknowledge", None) is None


def test_an_alert_held_back_can_be_picked_by_name_in_a_reply_to_it() -> None:
    menus = shown((STEP, "$step"), (ALERT, "$alert"))

    assert menus.resolve_text("acknowledge", "$alert") == ("ack", None)


def test_once_the_dialog_ends_the_held_back_alert_is_picked_by_name_but_not_by_number() -> None:
    menus = shown((STEP, "$step"), (ALERT, "$alert"), (THANKS, "$thanks"))

    assert menus.step is None
    assert menus.resolve_text("View", None) == ("v", None)
    assert menus.resolve_text("1", None) is None


def test_without_an_open_step_a_menu_is_numbered_and_numbers_and_reactions_pick() -> None:
    menus = shown((ALERT, "$alert"))

    assert menus.numbers_for(ALERT) is True
    assert menus.resolve_text("2", None) == ("v", None)
    assert menus.resolve_reaction("$alert", "1️⃣") == ("ack", None)
    assert menus.resolve_reaction("$alert", "1") == ("ack", None)
    assert menus.resolve_reaction("$alert", "3️⃣") is None
    assert menus.resolve_reaction("$alert", "👍") is None


def test_a_reply_that_ends_the_dialog_shows_its_own_choices_numbered() -> None:
    menus = shown((STEP, "$step"))
    done = Reply(SANNE, "Shared. What next?", (Choice("new", "New"),), ends_dialog=True)

    assert menus.numbers_for(done) is True
    menus.record(done, ["$done"], True)
    assert menus.resolve_text("1", None) == ("new", None)


def test_in_a_text_step_a_number_is_text_and_done_is_picked_by_name() -> None:
    menus = shown((WRITING, "$w"))

    assert menus.resolve_text("2", None) is None
    assert menus.resolve_text("done", None) == ("done", "n2")
    assert menus.resolve_reaction("$w", "1️⃣") is None


def test_a_question_without_choices_takes_every_typed_number_as_text() -> None:
    menus = shown((ALERT, "$alert"), (QUESTION, "$q"))

    assert menus.numbers_for(ALERT) is False
    assert menus.resolve_text("1", None) is None
    assert menus.resolve_text("1", "$q") is None


def test_a_reply_to_a_message_without_choices_is_text_even_with_a_step_open() -> None:
    menus = shown((STEP, "$step"))

    assert menus.resolve_text("1", "$coordinator-question") is None
    assert menus.resolve_text("Yes", "$unknown") is None


def test_a_reply_to_an_earlier_step_picks_from_it_with_its_own_nonce() -> None:
    later = Reply(SANNE, "Which setting?", (Choice("school", "School"),), "n9")
    menus = shown((STEP, "$step"), (later, "$later"))

    assert menus.resolve_text("2", "$step") == ("no", "n1")  # the core refuses it as stale
    assert menus.resolve_text("1", None) == ("school", "n9")
    assert menus.resolve_reaction("$step", "2️⃣") == ("no", "n1")


def test_every_part_of_a_long_message_refers_to_its_choices() -> None:
    menus = RoomMenus()
    menus.record(ALERT, ["$part1", "$part2"], True)

    assert menus.resolve_text("1", "$part1") == ("ack", None)
    assert menus.resolve_reaction("$part2", "2️⃣") == ("v", None)


def test_fixed_positions_are_the_numbers_that_pick() -> None:
    card = Reply(SANNE, "Card", (Choice("ack", "Acknowledge", 2), Choice("ask", "Ask", 4)))
    menus = shown((card, "$card"))

    assert menus.resolve_text("1", None) is None
    assert menus.resolve_text("4", None) == ("ask", None)


def test_only_the_last_twenty_menus_are_kept_but_the_open_step_is_never_forgotten() -> None:
    menus = shown((STEP, "$step"), *((ALERT, f"$alert{i}") for i in range(MAX_SHOWN + 5)))

    assert len(menus.shown) == MAX_SHOWN
    assert menus.find("$alert0") is None
    assert menus.resolve_text("Acknowledge", f"$alert{MAX_SHOWN + 4}") == ("ack", None)
    assert menus.resolve_text("2", "$step") == ("no", "n1")


def test_a_message_recorded_again_replaces_its_earlier_record() -> None:
    menus = shown((ALERT, "$alert"))
    menus.record(STEP, ["$alert"], True)

    assert len(menus.shown) == 1
    assert menus.resolve_text("1", "$alert") == ("yes", "n1")


def test_labels_are_not_kept_in_the_clear() -> None:
    which = Reply(SANNE, "Which question?", (Choice("q1", f"K7Q-M3X: {CANARY}"),), "n4")
    menus = shown((which, "$which"))

    assert CANARY not in menus.to_json()
    assert RoomMenus.from_json(menus.to_json()).resolve_text(f"k7q-m3x: {CANARY}", None) == (
        "q1",
        "n4",
    )


_replies = st.builds(
    Reply,
    to=st.just(SANNE),
    text=st.just("text"),
    choices=st.lists(
        st.builds(
            Choice,
            id=st.sampled_from(["a", "b", "done", "skip", "ack"]),
            label=st.text(max_size=8),
            position=st.none() | st.integers(min_value=1, max_value=12),
        ),
        max_size=4,
    ).map(tuple),
    nonce=st.none() | st.sampled_from(["n1", "n2", "ñ-3"]),
    ends_dialog=st.booleans(),
)


@given(st.lists(st.tuples(_replies, st.lists(st.text(max_size=6), max_size=3)), max_size=30))
def test_the_memory_reads_back_exactly_from_its_json(
    sent: list[tuple[Reply, list[str]]],
) -> None:
    menus = RoomMenus()
    for reply, event_ids in sent:
        menus.record(reply, event_ids, menus.numbers_for(reply))

    again = RoomMenus.from_json(menus.to_json())

    assert again == menus
    assert again.to_json() == menus.to_json()
    for typed in ("1", "2", "a", "done"):
        assert again.resolve_text(typed, None) == menus.resolve_text(typed, None)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "{",
        "[]",
        "null",
        f'"{CANARY}"',
        f'{{"v": 2, "step": null, "menu": null, "shown": [], "x": "{CANARY}"}}',
        f'{{"v": 1, "step": "{CANARY}", "menu": null, "shown": []}}',
        '{"v": 1, "step": null, "menu": null}',
        f'{{"v": 1, "step": null, "menu": null, "shown": ["{CANARY}"]}}',
        '{"v": 1, "step": null, "menu": null, "shown": [{"events": ["$e"], "choices": '
        f'[[true, "a", "{CANARY}"]], "nonce": null, "numbered": true}}]}}',
        '{"v": 1, "step": null, "menu": null, "shown": [{"events": ["$e"], "choices": '
        f'[[1, "a", "{CANARY}"]], "nonce": null, "numbered": 1}}]}}',
        '{"v": 1, "step": {"events": [1], "choices": [], "nonce": null, "numbered": true}, '
        '"menu": null, "shown": []}',
        "[" * 100000,
    ],
)
def test_a_malformed_record_starts_empty_and_logs_none_of_it(
    raw: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        menus = RoomMenus.from_json(raw)

    assert menus == RoomMenus()
    assert CANARY not in caplog.text
    assert len(caplog.records) == 1


def test_the_json_holds_only_ids_numbers_nonces_and_digests() -> None:
    menus = shown((STEP, "$step"), (ALERT, "$alert"))
    data = json.loads(menus.to_json())

    assert set(data) == {"v", "step", "menu", "shown"}
    assert data["step"]["choices"][0][:2] == [1, "yes"]
    assert "Yes" not in menus.to_json()


_alerts = st.lists(
    st.builds(
        Reply,
        to=st.just(SANNE),
        text=st.just("alert"),
        choices=st.lists(
            st.builds(
                Choice,
                id=st.sampled_from(["alert-ack", "alert-view"]),
                label=st.sampled_from(["1", "2", "Acknowledge"]),
                position=st.none() | st.integers(min_value=1, max_value=3),
            ),
            min_size=1,
            max_size=3,
        ).map(tuple),
    ),
    min_size=1,
    max_size=5,
)


@given(st.lists(_replies, max_size=10), _alerts, st.sampled_from([STEP, WRITING, QUESTION]))
def test_no_typed_number_or_reaction_acknowledges_an_alert_that_came_during_a_step(
    before: list[Reply], alerts: list[Reply], step: Reply
) -> None:
    menus = RoomMenus()
    for reply in [*before, step]:
        menus.record(reply, [f"$r{id(reply)}"], menus.numbers_for(reply))
    for index, alert in enumerate(alerts):
        assert menus.numbers_for(alert) is False
        menus.record(alert, [f"$alert{index}"], False)

    for number in range(1, 13):
        picked = menus.resolve_text(str(number), None)
        assert picked is None or picked[1] == step.nonce
        for index in range(len(alerts)):
            assert menus.resolve_reaction(f"$alert{index}", str(number)) is None
    assert len(menus.shown) <= MAX_SHOWN
