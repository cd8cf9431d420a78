"""The advice consult as its own conversation (issue 16): begun with /advice or from the card at
/new, it asks the professional's question and a few closed questions, is stored as a consult with
the question kept apart, and is never called a shared concern. Dutch and English."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app.system import App
from bot.domain.model import Concern, Mode
from bot.i18n import translator
from bot.share_script import QUESTION, SITUATION, advice_path, share_path
from bot.storage.tables import concerns
from bot.testing import Chat, FakeClock, RecordingOutlet, join
from tests.integration.conftest import act, reference_in, texts

WORDS = {
    "en": {
        "ask": "What do you want to know?",
        "went": "Your question went to the coordinators of your network",
        "shared": "has been shared",
        "question": "Question for advice",
    },
    "nl": {
        "ask": "Wat wil je weten?",
        "went": "Je vraag ging naar de coördinatoren van je netwerk",
        "shared": "gedeeld",
        "question": "Vraag om advies",
    },
}


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("start", ["/advice", "/new"])
async def test_a_consult_asks_the_question_in_eight_turns_and_is_answered_as_advice(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str, start: str
) -> None:
    words = WORDS[language]
    ana = await join(app, outlet, "Ana-Advice", language=language)
    path = advice_path(start=start)
    asked = texts(await ana.script(path.until("privacy")))
    assert words["ask"] in asked
    last = texts(await ana.script(path.after("privacy")))
    assert len(path.lines()) == 8
    assert words["went"] in last
    assert words["shared"] not in last
    stored = await app_concerns(app, ana)
    assert [c.mode for c in stored] == [Mode.ADVICE]
    consult = stored[0]
    assert (consult.question, consult.facts) == (QUESTION, SITUATION)
    assert (consult.age_band, consult.setting) == ("16_17", "school")
    assert not consult.identity_shown
    alert = coordinator.outlet.to(coordinator.address.user_id)[-1].text
    assert QUESTION not in alert  # the alert carries no free text
    details = (await act(coordinator, "details", consult.reference))[0].text
    assert QUESTION in details
    assert f"A-{consult.reference}" in details
    assert ana.member.pseudonym not in details
    # Only what the consult asked: no "Already done: nothing yet" for a question never asked.
    coordinator_t = translator(coordinator.member.language)
    for unasked in ("Already done", "Source", "How often", "Young person or parents know"):
        assert f"{coordinator_t(unasked)}:" not in details
    assert f"{coordinator_t('The situation')}:\n{SITUATION}" in details


async def app_concerns(app: App, chat: Chat) -> list[Concern]:
    """Every concern the member of ``chat`` stored, oldest first."""
    async with app.uow() as uow:
        return await uow.concerns.of_reporter(chat.member.id or 0)


async def test_a_consult_asks_no_identity_no_contact_and_no_urgency(reporter: Chat) -> None:
    said = texts(await reporter.script(advice_path().lines()))
    for asked in ("Should the coordinator see your name", "How urgent", "May the coordinator"):
        assert asked not in said


async def test_someone_in_danger_makes_a_consult_an_acute_share(
    reporter: Chat, coordinator: Chat
) -> None:
    said = texts(await reporter.script(("/advice", "#yes")))
    assert "call 112" in said.lower()
    assert "cannot be an anonymous consult" in said
    alert = coordinator.outlet.to(coordinator.address.user_id)[0].text
    assert alert.startswith("ACUTE")
    rest = share_path(acute=True).after("safety")
    last = texts(await reporter.script(rest))
    assert "has been shared" in last


async def test_advice_is_not_offered_on_the_card_when_someone_is_in_danger(
    reporter: Chat,
) -> None:
    await reporter.script(("/new", "#yes"))
    assert "advice" not in [c.id for c in reporter.last_with_choices().choices]


async def test_advice_is_listed_in_help(reporter: Chat) -> None:
    assert "/advice" in texts(await reporter.say("/help"))


async def test_a_consult_and_a_share_are_not_linked_by_a_pseudonym(
    reporter: Chat, coordinator: Chat, clock: FakeClock
) -> None:
    first = reference_in(await reporter.script(advice_path().lines()))
    clock.advance(hours=1)
    shared = reference_in(await reporter.script(share_path().lines()))
    consult = (await act(coordinator, "details", first))[0].text
    share = (await act(coordinator, "details", shared))[0].text
    assert reporter.member.pseudonym not in consult
    assert f"A-{first}" not in share


async def test_the_question_and_the_source_per_part_are_sealed_at_rest(
    app: App, reporter: Chat, clock: FakeClock
) -> None:
    await reporter.script(advice_path().lines())
    clock.advance(hours=1)
    await reporter.script(share_path(source="several", sources_detail="PER-PART-CANARY").lines())
    async with app.engine.connect() as connection:
        rows = list(await connection.execute(select(concerns).order_by(concerns.c.id)))
    sealed = [rows[0].question_enc, rows[1].sources_detail_enc]
    assert all(value.startswith("v1$test$") for value in sealed)
    assert QUESTION not in str(sealed)
    assert "PER-PART-CANARY" not in str(sealed)
    async with app.uow() as uow:
        stored = await uow.concerns.of_reporter(reporter.member.id or 0)
    assert sorted(c.sources_detail for c in stored) == ["", "PER-PART-CANARY"]


@pytest.mark.parametrize(
    ("language", "busy"),
    [
        ("nl", "Je bent bezig met een vraag om advies."),
        ("en", "You are in the middle of asking for advice."),
    ],
)
async def test_starting_anew_mid_consult_does_not_call_it_sharing_a_concern(
    app: App, outlet: RecordingOutlet, language: str, busy: str
) -> None:
    ana = await join(app, outlet, "Ana-Busy", language=language)
    await ana.script(advice_path().until("privacy"))
    said = texts(await ana.say("/new"))
    assert busy in said
    assert "sharing a concern" not in said
    assert "een zorg aan het delen" not in said
