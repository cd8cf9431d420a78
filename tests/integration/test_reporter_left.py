"""Ask the reporter only when that can reach them: not when they refused contact, and after
/forgetme the coordinator reads that the reporter left, not that they refused contact."""

from __future__ import annotations

import pytest

from bot.app.composition import App
from bot.testing import Chat
from tests.integration.conftest import access_log, act, share, share_script, texts


def labels(chat: Chat) -> list[str]:
    """The labels of the newest choices shown to ``chat``."""
    return [c.label for c in chat.last_with_choices().choices]


async def test_a_reporter_who_refused_contact_is_not_offered_to_be_asked(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter, share_script(contact=False))

    card = await act(coordinator, "show", reference)

    assert "Ask reporter" not in labels(coordinator)
    assert "The coordinator may contact the reporter: no" in card[-1].text
    assert "has left" not in card[-1].text
    refused = texts(await act(coordinator, "ask", reference))  # a forged or stale button
    assert "chose not to be contacted" in refused
    assert ("relay_question", "refused:no_contact") in [
        (e.action, e.outcome) for e in await access_log(app, reference)
    ]


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_after_forgetme_card_details_and_ask_say_the_reporter_left(
    app: App, reporter: Chat, coordinator: Chat, language: str
) -> None:
    reference = await share(reporter)
    await act(coordinator, "show", reference)
    assert "Ask reporter" in labels(coordinator)
    await reporter.say("/forgetme")
    await reporter.pick("yes")
    if language == "nl":
        await coordinator.say("/language")
        await coordinator.pick("Nederlands")
    left = "has left" if language == "en" else "is vertrokken"

    card = texts(await act(coordinator, "show", reference))
    details = texts(await act(coordinator, "details", reference))
    asked = texts(await act(coordinator, "ask", reference))

    for text in (card, details, asked):
        assert left in text
        assert "chose not to be contacted" not in text
        assert "wil niet" not in text
    assert "Ask reporter" not in labels(coordinator)
    assert "Melder een vraag stellen" not in labels(coordinator)
    assert ("relay_question", "refused:reporter_left") in [
        (e.action, e.outcome) for e in await access_log(app, reference)
    ]
