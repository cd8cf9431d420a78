"""Property: no sequence of events breaks the share-a-concern dialog or its stored state."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.events import (
    Address,
    ChoiceMade,
    CommandReceived,
    InboundEvent,
    Sender,
    TextReceived,
    UnsupportedReceived,
)
from bot.conversation.dialog import DONE, SKIP, DialogState, advance, render, start
from bot.i18n import translator
from dialogs.share_concern import DIALOG

T = translator("en")
SENDER = Sender(Address("console", "fuzz"))
CONTEXT = {"_retention_days": "365", "_ack_days": "2", "_feedback_days": "14"}
STEP_KEYS = {step.key for step in DIALOG.steps}
OFFERED_IDS = sorted(
    {option.id for step in DIALOG.steps if not callable(step.options) for option in step.options}
    | STEP_KEYS
    | {DONE, SKIP}
)

_texts = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(codec=None, exclude_categories=["Cs"]), max_size=40),
    st.sampled_from(["1", "2", "3", "12", "²", "٣", "Done", "Skip", "yes", "✓ No", "x" * 5000]),
    st.text(
        st.sampled_from(["a", "1", "\u202e", "\u200b", "\x00", "\x1b", "\r", "\n", "\ufeff"]),
        max_size=20,
    ),
)
_nonces = st.one_of(st.none(), st.text(max_size=12), st.just("current"))
# Tapping one of the buttons shown now (or writing, where a text is asked): gets deep in often.
_taps = st.integers(min_value=0, max_value=20)
_events = st.one_of(
    st.builds(
        lambda text, mid: TextReceived(SENDER, text, message_id=mid),
        _texts,
        st.one_of(st.none(), st.from_regex(r"[0-9]{1,6}", fullmatch=True)),
    ),
    st.tuples(st.one_of(st.sampled_from(OFFERED_IDS), st.text(max_size=12)), _nonces),
    st.builds(
        lambda name: CommandReceived(SENDER, name),
        st.sampled_from(["cancel", "back", "help", "xyz"]),
    ),
    st.just(UnsupportedReceived(SENDER, "photo")),
    _taps,
    _taps,
    _taps,
)
Raw = InboundEvent | tuple[str, str | None] | int

# How to get to a starting step quickly; the property then takes over from there.
_ROUTE = {
    "privacy": "continue",
    "subject": "group",
    "age_band": "12_15",
    "setting": "online",
    "frequency": "once_recent",
    "informed": "unsafe",
    "source": "colleague",
    "interpretation": SKIP,
    "counter_signals": SKIP,
    "actions_taken": DONE,
    "urgency": "soon",
    "contact": "no",
    "identity": "name",
    "summary": "edit",
}


def _drive_to(key: str, danger: bool, mode: str) -> DialogState:
    begun = start(DIALOG, "ab12cd", T, CONTEXT)
    assert begun.state is not None
    state = begun.state
    while state.step != key and state.step != "edit_pick":
        if state.step == "facts" and "facts" not in state.answers:
            event: InboundEvent = TextReceived(SENDER, "Observed something.", message_id="1")
        else:
            answer = {"safety": "yes" if danger else "no", "mode": mode, "facts": DONE}
            choice = answer.get(state.step) or _ROUTE[state.step]
            event = ChoiceMade(SENDER, choice, state.nonce)
        moved = advance(DIALOG, state, event, T).state
        assert moved is not None
        state = moved
    return state


def _event(raw: Raw, state: DialogState) -> InboundEvent:
    if isinstance(raw, int):
        shown = render(DIALOG, state, T).choices
        if (state.step == "facts" and raw % 2 == 0) or not shown:
            return TextReceived(SENDER, f"Something observed, part {raw}.", message_id=str(raw))
        return ChoiceMade(SENDER, shown[raw % len(shown)].id, state.nonce)
    if isinstance(raw, tuple):
        choice_id, nonce = raw
        return ChoiceMade(SENDER, choice_id, state.nonce if nonce == "current" else nonce)
    return raw


def _check(state: DialogState) -> None:
    assert state.step in STEP_KEYS
    stored = state.to_json()
    stored.encode("utf-8")
    assert DialogState.from_json(stored) == state


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(STEP_KEYS)),
    st.booleans(),
    st.sampled_from(["advice", "share"]),
    st.lists(_events, max_size=80),
)
def test_no_sequence_of_events_raises_or_leaves_a_state_that_cannot_be_stored(
    start_at: str, danger: bool, mode: str, events: list[Raw]
) -> None:
    state = _drive_to(start_at, danger, mode)
    for raw in events:
        transition = advance(DIALOG, state, _event(raw, state), T)
        for said in transition.said:
            assert said.text
            assert said.nonce is not None or transition.state is None
        if transition.state is None:
            assert transition.cancelled or transition.completed is not None
            completed = transition.completed or {}
            handed_over = completed.get("privacy") == "advice"  # to the consult, at the card
            assert transition.completed is None or completed.get("facts") or handed_over
            for key in transition.completed or {}:
                assert key.startswith("_") or key in STEP_KEYS
            transition = start(DIALOG, "ef34ab", T, CONTEXT)
            assert transition.state is not None
        state = transition.state
        _check(state)
