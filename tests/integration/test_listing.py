"""/list through the core: a question the reporter has not answered shows as waiting for the
reporter, until they answer; the organisation filter takes an id or a name."""

from __future__ import annotations

from bot.testing import Chat
from tests.integration.conftest import act, share, texts


async def test_an_unanswered_question_shows_as_waiting_for_the_reporter_until_answered(
    reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    await act(coordinator, "ask", reference)
    await coordinator.say("Was it during a lesson?")

    waiting = texts(await coordinator.say("/list"))
    await reporter.say("Yes, in history class.")
    answered = texts(await coordinator.say("/list"))

    assert f"• {reference} " in waiting
    assert waiting.endswith("· waiting for the reporter")
    assert f"• {reference} " in answered
    assert "waiting for the reporter" not in answered


async def test_the_organisation_filter_takes_an_id_or_a_name_and_explains_an_unknown_one(
    reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    organisation = coordinator.app.settings.networks[0].organisations
    own = next(o for o in organisation if o.id == reporter.member.organisation_id)
    other = next((o for o in organisation if o.id != own.id), None)

    by_id = texts(await coordinator.say(f"/list org {own.id}"))
    by_name = texts(await coordinator.say(f"/list acuut org {own.name.upper()}"))
    unknown = texts(await coordinator.say("/list org Nowhere"))

    assert f"• {reference} " in by_id
    assert "No open concern matches acute" in by_name
    assert unknown.startswith("There is no organisation “Nowhere” in your network.")
    if other is not None:
        assert reference not in texts(await coordinator.say(f"/list org {other.id}"))
