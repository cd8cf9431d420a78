"""An advice consult (issue 16): not called a shared concern, seen as a question for advice, and
shown to the coordinator under a pseudonym made for that consult alone."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from bot.share_script import advice_path, share_path
from bot.testing import Chat, FakeClock
from bot.usecases.account import ASKED
from tests.integration.conftest import act, reference_in, texts

ADVICE = advice_path().lines()


async def test_an_advice_consult_says_where_the_question_went_and_how_the_answer_comes_back(
    reporter: Chat, coordinator: Chat
) -> None:
    last = texts(await reporter.script(ADVICE))
    assert "has been shared" not in last
    assert "Your question went to the coordinators of your network" in last
    assert "the advice comes back here in this chat" in last
    alert = coordinator.outlet.to(coordinator.address.user_id)[0].text
    assert alert.startswith("New question for advice (anonymous consult)")


@pytest.mark.parametrize(
    ("language", "went", "shared"),
    [
        ("nl", "Je vraag ging naar de coördinatoren van je netwerk", "gedeeld"),
        ("en", "Your question went to the coordinators of your network", "has been shared"),
    ],
)
def test_the_consults_confirmation_in_dutch_and_english(
    language: str, went: str, shared: str
) -> None:
    text = translator(language)(ASKED)
    assert went in text
    assert shared not in text


async def test_two_consults_and_a_share_of_one_reporter_are_not_linked_by_a_pseudonym(
    reporter: Chat, coordinator: Chat, clock: FakeClock
) -> None:
    references = []
    for lines in (ADVICE, ADVICE, share_path().lines()):
        references.append(reference_in(await reporter.script(lines)))
        clock.advance(hours=1)  # not one burst: the throttle stays out of it
    first, second, shared = references
    pseudonym = reporter.member.pseudonym
    shown: dict[str, str] = {}
    for reference in (first, second, shared):
        details = (await act(coordinator, "details", reference))[0].text
        shown[reference] = details
    assert pseudonym not in shown[first]
    assert pseudonym not in shown[second]
    assert f"A-{first}" in shown[first]
    assert f"A-{second}" in shown[second]
    assert f"A-{first}" not in shown[second]
    assert pseudonym in shown[shared]  # a share keeps the member's one pseudonym
