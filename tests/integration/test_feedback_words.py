"""Feedback that means something: each status change says, in plain words, what the coordinator
did and what the reporter may expect, and carries the note or says honestly that none was given."""

from __future__ import annotations

import pytest

from bot.app.composition import App
from bot.i18n import translator
from bot.testing import Chat, RecordingOutlet, join
from tests.integration.conftest import act
from tests.integration.test_journey import set_status
from tests.integration.test_two_way import share

NO_NOTE = "The coordinator did not add a note to this update."


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_an_update_without_a_note_says_honestly_that_none_was_given(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    reference = await share(reporter)
    await act(coordinator, "ack", reference)
    heard = reporter.outlet.to(reporter.address.user_id)[-1].text
    t = translator(language)
    assert t(NO_NOTE) in heard
    assert t("Note from the coordinator") not in heard
    if language == "nl":
        assert "geen toelichting" in heard


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_action_taken_says_what_it_means_and_what_comes_next(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    reference = await share(reporter)
    await set_status(coordinator, reference, "action_taken", "The school talked with him.")
    heard = reporter.outlet.to(reporter.address.user_id)[-1].text
    t = translator(language)
    assert t("Action has been taken on your concern.") not in heard
    assert (
        t(
            "The coordinator has taken a step on your concern, such as a talk with the "
            "organisation or involving a partner; the note below says which. The concern stays "
            "open: you hear here when it is closed, and how."
        )
        in heard
    )
    assert f"{t('Note from the coordinator')}: The school talked with him." in heard
    assert t(NO_NOTE) not in heard


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_closing_says_what_the_outcome_means_for_the_reporter(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    reference = await share(reporter)
    for step in ("closed", "no_further_action", "skip", "skip", "yes"):  # without a note
        await (
            act(coordinator, "status", reference) if step == "closed" else coordinator.pick(step)
        )
        if step == "closed":
            await coordinator.pick(step)
    heard = reporter.outlet.to(reporter.address.user_id)[-1].text
    t = translator(language)
    assert (
        t(
            "After looking at it, the coordinator sees no need for further steps now. If you "
            "notice new signals, share them again with /new."
        )
        in heard
    )
    assert t(NO_NOTE) in heard
