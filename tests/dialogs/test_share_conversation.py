"""The share dialog as a conversation (issue 16), in Dutch and English: the reporter's own words
first, "I don't know" where a professional may not know, acute means shared and reachable, one
short privacy card, and the facts added to rather than silently replaced."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.channels.events import Address, ChoiceMade, Sender, TextReceived
from bot.conversation.cards import details_text
from bot.conversation.dialog import DONE, SKIP, DialogState, Transition, advance, start
from bot.domain.model import Concern, Mode
from bot.domain.vocabulary import ACTIONS
from bot.i18n import Translate, translator
from bot.usecases.account import concern_fields
from bot.usecases.info import NOT_END_TO_END, PRIVACY
from dialogs.share_concern import DIALOG

SENDER = Sender(Address("console", "reporter"))
CONTEXT = {"_retention_days": "365", "_ack_days": "2", "_feedback_days": "14"}
FACTS = "He repeated a slogan from a banned group twice in class this week."
LANGUAGES = ("nl", "en")
ROUTE = {
    "privacy": "continue",
    "source": "own_observation",
    "interpretation": SKIP,
    "counter_signals": SKIP,
    "subject": "person",
    "age_band": "16_17",
    "setting": "school",
    "frequency": "several",
    "actions_taken": DONE,
    "informed": "not_yet",
    "urgency": "week",
    "contact": "yes",
    "identity": "pseudonym",
    "summary": "edit",
}


class Talk:
    """A reporter in one language: every step visited, and the latest messages."""

    def __init__(self, language: str) -> None:
        self.t: Translate = translator(language)
        begun = start(DIALOG, "beef", self.t, CONTEXT)
        assert begun.state is not None
        self.state: DialogState = begun.state
        self.last: Transition = begun
        self.visited = [self.state.step]
        self.turns = 0

    @property
    def text(self) -> str:
        """The latest message's text."""
        return self.last.said[-1].text

    def tap(self, choice: str) -> Transition:
        """Tap one of the buttons shown now."""
        return self._apply(ChoiceMade(SENDER, choice, self.state.nonce))

    def type(self, text: str) -> Transition:
        """Type a message."""
        return self._apply(TextReceived(SENDER, text))

    def _apply(self, event: ChoiceMade | TextReceived) -> Transition:
        self.turns += 1
        self.last = advance(DIALOG, self.state, event, self.t)
        if self.last.state is not None:
            self.state = self.last.state
            if self.visited[-1] != self.state.step:
                self.visited.append(self.state.step)
        return self.last

    def to(self, key: str, danger: bool = False) -> Talk:
        """Answer along the default path until ``key`` is asked."""
        while self.state.step != key:
            step = self.state.step
            if step == "safety":
                self.tap("yes" if danger else "no")
            elif step == "facts":
                self.type(FACTS)
                self.tap(DONE)
            else:
                self.tap(ROUTE[step])
            assert self.state.step != step, f"stuck at {step}"
        return self


# 1. Free recall first


@pytest.mark.parametrize(
    ("language", "own_words"),
    [("nl", "Vertel in je eigen woorden wat je zag of hoorde"), ("en", "in your own words")],
)
def test_after_safety_and_the_privacy_card_the_reporter_tells_in_their_own_words(
    language: str, own_words: str
) -> None:
    talk = Talk(language)
    talk.tap("no")
    talk.tap("continue")
    assert talk.state.step == "facts"
    assert own_words in talk.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_follow_ups_come_before_the_closed_questions_and_urgency_contact_identity_last(
    language: str,
) -> None:
    talk = Talk(language).to("edit_pick")
    assert talk.visited[:8] == [
        "safety",
        "privacy",
        "facts",
        "source",
        "interpretation",
        "counter_signals",
        "subject",
        "age_band",
    ]
    assert talk.visited[-4:-2] == ["contact", "identity"]


# 2. "I don't know", other, and how often


@pytest.mark.parametrize(
    ("language", "dont_know"), [("nl", "Weet ik niet"), ("en", "I don't know")]
)
@pytest.mark.parametrize("step", ["source", "actions_taken", "frequency", "informed"])
def test_i_dont_know_is_offered_where_a_professional_may_not_know(
    language: str, dont_know: str, step: str
) -> None:
    talk = Talk(language).to(step)
    assert dont_know in [c.label for c in talk.last.said[-1].choices]


@pytest.mark.parametrize(
    ("language", "several", "ongoing"),
    [
        ("nl", "Verschillende bronnen", "Het speelt nog steeds"),
        ("en", "Different sources", "ongoing"),
    ],
)
def test_sources_may_differ_per_part_and_how_often_is_asked(
    language: str, several: str, ongoing: str
) -> None:
    talk = Talk(language).to("source")
    assert any(several in c.label for c in talk.last.said[-1].choices)
    talk.to("frequency")
    assert any(ongoing in c.label for c in talk.last.said[-1].choices)


# 3. Acute: shared, and reachable


@pytest.mark.parametrize(
    ("language", "why"),
    [("nl", "moet de coördinator je snel kunnen bereiken"), ("en", "must be able to reach you")],
)
def test_an_acute_concern_is_not_asked_advice_or_share_nor_offered_no_contact(
    language: str, why: str
) -> None:
    talk = Talk(language).to("identity", danger=True)
    assert "mode" not in talk.visited
    assert "contact" not in talk.visited
    assert why in talk.text
    talk.tap("pseudonym")
    done = talk.tap("confirm")
    assert done.completed is not None
    fields = concern_fields(done.completed)
    assert fields["mode"] is Mode.SHARE
    assert fields["contact_allowed"] is True
    assert fields["acute"] is True


def test_112_called_is_among_the_actions() -> None:
    assert "called_112" in ACTIONS
    assert translator("nl")(ACTIONS["called_112"]) == "112 gebeld / politie ingelicht"


# 5. Editing what was observed


@pytest.mark.parametrize(
    ("language", "add_or_replace"),
    [("nl", "Wil je het aanvullen of vervangen?"), ("en", "add to it or replace it?")],
)
def test_editing_the_facts_shows_them_and_adding_keeps_the_old_text(
    language: str, add_or_replace: str
) -> None:
    talk = Talk(language).to("edit_pick")
    talk.tap("facts_edit")
    assert FACTS in talk.text
    assert add_or_replace in talk.text
    talk.tap("add")
    assert talk.state.step == "facts"
    talk.type("She also drew a symbol on her notebook.")
    talk.tap(DONE)
    assert talk.state.step == "summary"
    assert FACTS in talk.text
    assert "She also drew a symbol" in talk.text
    done = talk.tap("confirm")
    assert done.completed is not None
    assert done.completed["facts"] == [FACTS, "She also drew a symbol on her notebook."]


# 6 and 7. One short privacy card; who can learn who reported


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_privacy_card_is_short_and_the_rest_is_behind_slash_privacy(language: str) -> None:
    talk = Talk(language)
    assert _words(talk.text) <= 25
    talk.tap("no")
    assert talk.state.step == "privacy"
    assert _words(talk.text) <= 60
    assert "/privacy" in talk.text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("step", "at_most"), [("safety", 40), ("privacy", 75)])
def test_a_wrong_key_at_the_start_does_not_repeat_a_long_introduction(
    language: str, step: str, at_most: int
) -> None:
    talk = Talk(language).to(step)
    talk.type("x")
    assert talk.state.step == step
    assert _words(talk.text) <= at_most


@pytest.mark.parametrize(
    ("language", "card_words", "privacy_words"),
    [
        (
            "nl",
            ("alleen als je dat kiest", "alleen met jouw toestemming", "nooit via deze bot"),
            ("alleen als je daarvoor kiest", "alleen met jouw toestemming", "nooit via deze bot"),
        ),
        (
            "en",
            ("only if you choose", "only with your consent", "never learn it from this bot"),
            ("only if you choose", "only with your consent", "never learn it from this bot"),
        ),
    ],
)
def test_card_and_privacy_say_who_can_learn_who_reported(
    language: str, card_words: tuple[str, ...], privacy_words: tuple[str, ...]
) -> None:
    t = translator(language)
    card = Talk(language).to("privacy").text
    full = t(PRIVACY).format(
        network="Demo",
        chat=t(NOT_END_TO_END),
        retention_days=365,
        ack_days=5,
        acute_minutes=15,
        feedback_days=14,
    )
    for words in card_words:
        assert words in card
    for words in privacy_words:
        assert words in full
    # The same retention in both: until closed, then the network's days.
    assert "365" in card
    assert "365" in full


def _words(text: str) -> int:
    return sum(1 for word in text.split() if any(c.isalnum() for c in word))


# 8. Whether the young person or the parents know


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("nl", "Jongere of ouders weten het: Nee, dat zou iemands veiligheid in gevaar brengen"),
        ("en", "Young person or parents know: No, telling them would endanger someone's safety"),
    ],
)
def test_whether_the_family_knows_is_asked_shown_in_the_summary_and_to_the_coordinator(
    language: str, line: str
) -> None:
    talk = Talk(language).to("informed")
    talk.tap("unsafe")
    talk.to("summary")
    assert line in talk.text
    done = talk.tap("confirm")
    assert done.completed is not None
    fields = concern_fields(done.completed)
    assert fields["informed"] == "unsafe"
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    concern = Concern(
        id=1,
        reference="K7Q-M3X",
        network_id="demo",
        organisation_id="org",
        reporter_id=1,
        created_at=now,
        acknowledge_due=now,
        feedback_due=now,
        **fields,
    )
    assert line in details_text(concern, "R-1", "Europe/Amsterdam", translator(language))


# Turns


@pytest.mark.parametrize(("danger", "turns"), [(False, 17), (True, 15)])
def test_the_turns_of_the_share_and_the_acute_path(danger: bool, turns: int) -> None:
    # safety, card, facts (text + Done), source, interpretation, counter-signals, about, age,
    # setting, how often, done (Done), family knows, [urgency, contact], identity, confirm.
    # (An advice consult is its own dialog: 7 turns, see tests/dialogs/test_advice_dialog.py.)
    talk = Talk("en")
    talk.to("summary", danger=danger)
    talk.tap("confirm")
    assert talk.turns == turns
