"""The reporter hears when their concern is erased (retention, or a coordinator on request) or
taken over by another coordinator; no names, no content."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.app.composition import App
from bot.channels.replies import Reply
from bot.domain.model import Role
from bot.i18n import translator
from bot.scheduling.jobs.retention import run_retention
from bot.testing import Chat, RecordingOutlet, join
from tests.integration.conftest import act
from tests.integration.test_journey import set_status
from tests.integration.test_two_way import share


def last_said(replies: list[Reply]) -> str:
    """The text of the last reply."""
    return replies[-1].text


def last_to(chat: Chat) -> str:
    """The newest message the chat's member received."""
    return chat.outlet.to(chat.address.user_id)[-1].text


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_the_reporter_hears_when_another_coordinator_takes_over(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    second = await join(app, outlet, "Cleo-Coordinator", Role.COORDINATOR)
    reference = await share(reporter)
    await act(coordinator, "ack", reference)
    heard = len(reporter.outlet.to(reporter.address.user_id))
    await act(coordinator, "assign", reference)  # already theirs: nothing to tell
    assert len(reporter.outlet.to(reporter.address.user_id)) == heard
    await act(second, "assign", reference)
    t = translator(language)
    text = last_to(reporter)
    assert text == t(
        "Another coordinator has taken over your concern {reference}. Nothing else changes: you "
        "keep hearing about it here."
    ).format(reference=reference)
    assert "Cleo" not in text
    assert "Carl" not in text
    if language == "nl":
        assert "coördinator" in text


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_the_reporter_hears_when_a_coordinator_erases_their_concern(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    reference = await share(reporter)
    await coordinator.say(f"/erase {reference}")
    await coordinator.pick("yes")
    t = translator(language)
    assert last_to(reporter) == t(
        "Your concern {reference} has been erased by a coordinator, on request. Nothing of what "
        "you wrote about it is kept any more."
    ).format(reference=reference)


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_the_reporter_hears_when_retention_erases_their_concern(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    reference = await share(reporter)
    await set_status(coordinator, reference, "closed", "Done.", "no_further_action")
    async with app.uow() as uow:
        out = await run_retention(uow, app.settings, app.clock.now() + timedelta(days=400))
        await uow.commit()
    told = [o for o in out if isinstance(o, Reply) and o.to == reporter.address]
    t = translator(language)
    assert [o.text for o in told] == [
        t(
            "Your concern {reference} was closed more than {days} days ago and has now been "
            "erased, as your network's retention period says. Nothing of what you wrote about "
            "it is kept any more."
        ).format(reference=reference, days=365)
    ]


# /status


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_status_says_what_it_was_about_whether_it_was_opened_and_what_comes_next(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    reference = await share(reporter)
    t = translator(language)
    before = last_said(await reporter.say("/status"))
    assert f"{t('About')}: {t('One young person')} · {t('16 or 17')} · {t('School')}" in (before)
    assert t("Opened by a coordinator: not yet") in before
    assert t("No feedback note yet.") in before
    assert (
        t("Next: a coordinator acknowledges it by {moment} at the latest.").format(
            moment=("3 December, 10:00" if language == "en" else "3 december, 10:00")
        )  # "this week": three working days, in words (not ISO)
        in before
    )
    assert not re.search(r"\d{4}-\d{2}-\d{2}", before)
    assert "CANARY" not in before
    await act(coordinator, "details", reference)
    await set_status(coordinator, reference, "in_analysis", "We talk with the school.")
    await act(coordinator, "ask", reference)
    await coordinator.say("Which class?")
    after = last_said(await reporter.say("/status"))
    assert t("Opened by a coordinator: yes") in after
    assert f"{t('Last feedback')}: We talk with the school." in after
    assert (
        t("A coordinator's question waits for your answer: “{question}”").format(
            question="Which class?"
        )
        in after
    )
    assert f"{t('Next news at the latest')}: " in after
    assert "Carl" not in after


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_from_status_the_reporter_can_write_to_the_coordinator_about_a_concern(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9", language=language)
    reference = await share(reporter)
    t = translator(language)
    status = (await reporter.say("/status"))[-1]
    label = t("Write about {reference}").format(reference=reference)
    assert [c.label for c in status.choices] == [label]
    prompt = last_said(await reporter.pick(label))
    assert prompt == t("Type your message to the coordinator about {reference}.").format(
        reference=reference
    )
    said = last_said(await reporter.say("Can we talk on the phone?"))
    assert said == t("Your message about {reference} was passed on to the coordinator.").format(
        reference=reference
    )
    assert last_to(coordinator).startswith(f"A message about {reference} from the reporter.")
