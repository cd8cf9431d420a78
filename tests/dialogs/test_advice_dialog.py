"""The advice consult's dialog walk (issue 16), in Dutch and English: it asks the professional's
question first after the card, only a few questions, no name, contact or urgency; the share
dialog's card offers it, unless someone is in danger; a source per part where sources differ."""

from __future__ import annotations

import pytest

from bot.channels.events import Address, ChoiceMade, CommandReceived, Sender, TextReceived
from bot.conversation.dialog import END, SKIP, Dialog, DialogState, Transition, advance, start
from bot.i18n import translator
from dialogs.advice import DIALOG as ADVICE
from dialogs.share_concern import DIALOG as SHARE

SENDER = Sender(Address("console", "reporter"))
CONTEXT = {"_retention_days": "365", "_ack_days": "2", "_feedback_days": "14"}
LANGUAGES = ("nl", "en")


class Walk:
    """One dialog, answered step by step."""

    def __init__(self, dialog: Dialog, language: str) -> None:
        self.dialog, self.t = dialog, translator(language)
        begun = start(dialog, "cafe", self.t, CONTEXT)
        assert begun.state is not None
        self.state: DialogState = begun.state
        self.last: Transition = begun
        self.visited = [self.state.step]

    def tap(self, choice: str) -> Transition:
        """Tap a button of the current step."""
        return self._apply(ChoiceMade(SENDER, choice, self.state.nonce))

    def type(self, text: str) -> Transition:
        """Type a message."""
        return self._apply(TextReceived(SENDER, text))

    def _apply(self, event: ChoiceMade | TextReceived) -> Transition:
        self.last = advance(self.dialog, self.state, event, self.t)
        if self.last.state is not None:
            self.state = self.last.state
            self.visited.append(self.state.step)
        return self.last

    @property
    def text(self) -> str:
        """The latest message's text."""
        return self.last.said[-1].text


@pytest.mark.parametrize(
    ("language", "ask", "send"),
    [("nl", "Wat wil je weten?", "Vraag versturen"), ("en", "What do you want to know?", "Send")],
)
def test_the_consult_asks_the_question_and_four_more_things_then_completes(
    language: str, ask: str, send: str
) -> None:
    walk = Walk(ADVICE, language)
    walk.tap("no")
    walk.tap("continue")
    assert ask in walk.text
    walk.type("Is this worth a case meeting?")
    walk.type("A pupil praised an attack abroad.")
    walk.tap("unknown")
    walk.tap("unknown")  # "I don't know" for the setting too
    assert send in next(c.label for c in walk.last.said[-1].choices)
    done = walk.tap("send")
    assert done.completed is not None
    assert walk.visited == [
        "safety",
        "privacy",
        "question",
        "situation",
        "age_band",
        "setting",
        "summary",
    ]
    assert (done.completed["question"], done.completed["setting"]) == (
        "Is this worth a case meeting?",
        "unknown",
    )
    for absent in ("identity", "contact", "urgency", "mode"):
        assert absent not in done.completed


@pytest.mark.parametrize("language", LANGUAGES)
def test_someone_in_danger_ends_the_consult_at_once(language: str) -> None:
    walk = Walk(ADVICE, language)
    done = walk.tap("yes")
    assert done.completed is not None
    assert done.completed["safety"] == "yes"
    assert "question" not in done.completed


@pytest.mark.parametrize(
    ("language", "offered"),
    [("nl", "Liever advies vragen (anoniem)"), ("en", "Ask for advice instead (anonymous)")],
)
def test_the_share_card_offers_the_consult_and_ends_there(language: str, offered: str) -> None:
    walk = Walk(SHARE, language)
    walk.tap("no")
    assert offered in [c.label for c in walk.last.said[-1].choices]
    done = walk.tap("advice")
    assert done.completed is not None
    assert done.completed["privacy"] == "advice"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_share_card_offers_no_consult_when_someone_is_in_danger(language: str) -> None:
    walk = Walk(SHARE, language)
    walk.tap("yes")
    assert "advice" not in [c.id for c in walk.last.said[-1].choices]


@pytest.mark.parametrize(
    ("language", "which"),
    [("nl", "Welk deel komt van welke bron?"), ("en", "Which part comes from which source?")],
)
def test_different_sources_lead_to_the_question_which_part_comes_from_which(
    language: str, which: str
) -> None:
    walk = Walk(SHARE, language)
    walk.tap("no")
    walk.tap("continue")
    walk.type("A remark in class, and a video.")
    walk.tap("done")
    walk.tap("several")
    assert walk.state.step == "sources_detail"
    assert which in walk.text
    walk.tap(SKIP)
    assert walk.state.step == "interpretation"


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_source_goes_straight_to_the_interpretation(language: str) -> None:
    walk = Walk(SHARE, language)
    for choice in ("no", "continue"):
        walk.tap(choice)
    walk.type("A remark in class.")
    walk.tap("done")
    walk.tap("own_observation")
    assert walk.state.step == "interpretation"
    assert END not in walk.visited


@pytest.mark.parametrize(
    ("language", "pointer"),
    [("nl", "Liever anoniem advies, in een paar vragen: /advice."), ("en", "/advice")],
)
def test_the_share_dialog_asks_no_late_mode_and_its_help_points_to_the_consult(
    language: str, pointer: str
) -> None:
    assert "mode" not in [step.key for step in SHARE.steps]
    walk = Walk(SHARE, language)
    walk.tap("no")
    walk.tap("continue")
    helped = advance(SHARE, walk.state, CommandReceived(SENDER, "help", ""), walk.t)
    assert pointer in helped.said[-1].text
