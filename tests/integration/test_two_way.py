"""Two-way without friction: a typed message answers the coordinator's open question."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.app.composition import App
from bot.i18n import translator
from bot.storage.tables import additions
from bot.testing import Chat, FakeClock, RecordingOutlet, join
from bot.usecases.data_rights import export_member
from tests.integration.conftest import access_log, act, share_script, status_of, texts
from tests.integration.test_journey import set_status

REFERENCE = re.compile(r"(?:Reference|Referentie): ([A-Z2-9]{3}-[A-Z2-9]{3})")


async def share(chat: Chat) -> str:
    """Share a concern in the reporter's language; return its reference."""
    found = REFERENCE.search(texts(await chat.script(share_script())))
    assert found is not None
    return found.group(1)


async def ask(coordinator: Chat, reference: str, question: str) -> None:
    """Relay a question to the reporter of ``reference``."""
    await act(coordinator, "ask", reference)
    await coordinator.say(question)


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_free_text_without_pressing_answer_answers_the_one_open_question(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    reference = await share(reporter)
    await ask(coordinator, reference, "Is this the first time you noticed it?")
    button = reporter.outlet.to(reporter.address.user_id)[-1].choices[0].id
    said = texts(await reporter.say("No, it happened twice before."))
    t = translator(language)
    expected = t(
        "I passed that on as your answer to the coordinator's question about "
        "{reference}: “{question}”. Thank you."
    ).format(reference=reference, question="Is this the first time you noticed it?")
    assert said == expected
    if language == "nl":
        assert "vraag van de coördinator" in said
    answer = coordinator.outlet.to(coordinator.address.user_id)[-1]
    assert f"The reporter answered your question about {reference}" in answer.text
    assert "No, it happened twice before." in answer.text
    assert ("relay_answer", "ok") in [(e.action, e.outcome) for e in await access_log(app)]
    again = texts(await reporter.pick(button))
    assert again == t("You already answered that question. Thank you.")


async def test_without_an_open_question_free_text_is_not_taken_as_an_answer(
    reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    await ask(coordinator, reference, "When?")
    await reporter.say("Monday.")
    said = texts(await reporter.say("Something else."))
    assert "I am not asking you anything right now" in said


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_with_two_open_questions_the_bot_asks_which_and_keeps_the_text(
    app: App, outlet: RecordingOutlet, coordinator: Chat, clock: FakeClock, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    first = await share(reporter)
    clock.advance(minutes=2)  # two whole share conversations fill the 40-message burst
    second = await share(reporter)
    clock.advance(minutes=2)
    await ask(coordinator, first, "Which class?")
    await ask(coordinator, second, "Which day?")
    replies = await reporter.say("On Monday, class 3B.")
    t = translator(language)
    assert replies[-1].text.startswith(
        t(
            "A coordinator asked you more than one question. Which one does your message "
            "answer? I keep your message until you choose."
        )
    )
    labels = [c.label for c in replies[-1].choices]
    assert labels == [f"{first}: Which class?", f"{second}: Which day?"]
    before = len(coordinator.outlet.to(coordinator.address.user_id))
    said = texts(await reporter.pick(f"{second}: Which day?"))
    assert second in said
    assert "Which day?" in said
    heard = coordinator.outlet.to(coordinator.address.user_id)[before:]
    assert len(heard) == 1
    assert f"about {second}" in heard[0].text
    assert "On Monday, class 3B." in heard[0].text
    # The other question is still open: the next typed message answers it.
    said = texts(await reporter.say("Class 3B."))
    assert first in said
    assert "Which class?" in said


# Adding to a concern, writing to the coordinator


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_add_appends_sealed_text_tells_the_coordinator_without_content_and_details_show_it(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    reference = await share(reporter)
    t = translator(language)
    prompt = texts(await reporter.say(f"/add {reference.lower()}"))
    assert prompt == t(
        "Type what you want to add to {reference}. It is stored encrypted with it."
    ).format(reference=reference)
    said = texts(await reporter.say("CANARY-ADD: he brought a flyer to class today."))
    assert said == t(
        "Added to {reference}. The coordinator has been told there is new information."
    ).format(reference=reference)
    told = coordinator.outlet.to(coordinator.address.user_id)[-1]
    assert told.text == (
        f"New information on {reference} from the reporter. Open the details to read it."
    )
    assert "CANARY" not in told.text
    details = texts(await act(coordinator, "details", reference))
    assert "Added by the reporter" in details
    assert "CANARY-ADD: he brought a flyer to class today." in details
    async with app.engine.connect() as connection:
        rows = (await connection.execute(select(additions))).all()
    assert len(rows) == 1
    assert rows[0].author_id == reporter.member.id
    assert "CANARY" not in rows[0].text_enc
    assert ("add_info", "ok:addition") in [(e.action, e.outcome) for e in await access_log(app)]
    assert reporter.member.id is not None
    async with app.uow() as uow:
        export = await export_member(uow, reporter.member.id, app.clock.now(), "self")
    assert export is not None
    assert [a["text"] for a in export["added_later"]] == [
        "CANARY-ADD: he brought a flyer to class today."
    ]


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_a_message_to_the_coordinator_about_a_closed_concern_is_a_follow_up(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    reference = await share(reporter)
    await set_status(coordinator, reference, "closed", "Done.", "no_further_action")
    await reporter.say(f"/message {reference}")
    said = texts(await reporter.say("It started again this week."))
    t = translator(language)
    assert said == (
        t("Your message about {reference} was passed on to the coordinator.").format(
            reference=reference
        )
        + " "
        + t(
            "{reference} is closed, so its status stays closed; the coordinator has been told "
            "that you followed it up. If it needs handling again, share it anew with /new."
        ).format(reference=reference)
    )
    told = coordinator.outlet.to(coordinator.address.user_id)[-1].text
    assert told.startswith(f"A message about {reference} from the reporter.")
    assert f"{reference} is closed and its status stays closed;" in told
    assert "started again" not in told
    assert await status_of(app, reference) == "closed"
    assert "It started again this week." in texts(await act(coordinator, "details", reference))


async def test_nobody_can_add_to_someone_elses_concern(
    app: App, outlet: RecordingOutlet, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    other = await join(app, outlet, "Olga-Other")
    said = texts(await other.say(f"/add {reference}"))
    assert f"You have no concern {reference}" in said
    assert "Name the concern" in texts(await other.say("/add"))
