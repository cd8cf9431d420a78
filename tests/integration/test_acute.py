"""The acute path: the alert goes out at the safety answer, the intake enriches it afterwards."""

from __future__ import annotations

from bot.app.composition import App
from bot.domain.model import Concern, Mode, Role
from bot.share_script import share_path
from bot.testing import Chat, RecordingOutlet, join
from bot.usecases.account import concern_fields
from tests.integration.conftest import texts

ACUTE = share_path(acute=True, contact=False)


async def _concerns(app: App, reporter: Chat) -> list[Concern]:
    assert reporter.member.id is not None
    async with app.uow() as uow:
        return await uow.concerns.of_reporter(reporter.member.id)


async def test_the_alert_is_delivered_before_the_reporter_answers_again(
    app: App, reporter: Chat, coordinator: Chat, outlet: RecordingOutlet
) -> None:
    before = len(outlet.to(coordinator.address.user_id))
    replies = await reporter.script(ACUTE.until("safety"))
    alerts = outlet.to(coordinator.address.user_id)[before:]
    assert len(alerts) == 1
    assert "ACUTE concern shared" in alerts[0].text
    stored = await _concerns(app, reporter)
    assert len(stored) == 1
    concern = stored[0]
    assert concern.acute
    assert concern.mode is Mode.SHARE
    assert concern.contact_allowed
    assert concern.reference in alerts[0].text
    said = texts(replies)
    assert said.index("Call 112 now") < said.index("The acute alert has gone out")
    assert "alerted at once" not in said  # said before, as a promise of what was to come
    assert "The acute alert has gone out to 1 coordinator of Netwerk Polarisatie Demostad" in said
    assert concern.reference in said
    # The alert was queued in the same unit of work as the reply that says so.
    assert outlet.sent.index(alerts[0]) < outlet.sent.index(replies[-1])


async def test_the_rest_of_the_intake_enriches_the_same_concern(
    app: App, reporter: Chat, coordinator: Chat, outlet: RecordingOutlet
) -> None:
    first = await reporter.script(ACUTE.until("safety"))
    reference = (await _concerns(app, reporter))[0].reference
    before = len(outlet.to(coordinator.address.user_id))
    last = await reporter.script(ACUTE.after("safety"))
    stored = await _concerns(app, reporter)
    assert len(stored) == 1, "no second concern"
    concern = stored[0]
    assert concern.reference == reference
    assert reference in texts(last)
    assert concern.facts.startswith("CANARY-FACT-7f3a")
    assert concern.subject == "person"
    # Acute means share with contact allowed, whatever was answered (the script said no).
    assert concern.contact_allowed
    assert concern.mode is Mode.SHARE
    updates = outlet.to(coordinator.address.user_id)[before:]
    # One message when whom and where are known, one when the intake is complete.
    assert len(updates) == 2
    assert updates
    assert all(f"Update on {reference}" in u.text for u in updates)
    assert all("CANARY" not in u.text for u in updates)
    assert first


async def test_stopping_after_the_alert_keeps_it_shared_and_says_so(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    await reporter.script(ACUTE.until("privacy"))
    replies = await reporter.say("/cancel")
    said = texts(replies)
    assert "Nothing was stored" not in said
    assert "The acute alert was sent; what you answered so far is with the coordinator" in said
    assert len(await _concerns(app, reporter)) == 1


async def test_dutch_reporter_hears_who_was_alerted(
    app: App, coordinator: Chat, outlet: RecordingOutlet
) -> None:
    reporter = await join(app, outlet, "Roos-Melder", Role.REPORTER, language="nl")
    second = await join(app, outlet, "Cees-Coordinator", Role.COORDINATOR)
    replies = await reporter.script(ACUTE.until("safety"))
    said = texts(replies)
    assert "Het ACUUT-alarm is verstuurd naar 2 coördinatoren van Netwerk Polarisatie" in said
    assert outlet.to(second.address.user_id)
    stopped = texts(await reporter.say("/cancel"))
    assert "Het ACUUT-alarm is verstuurd; wat je tot nu toe hebt beantwoord" in stopped


async def test_an_acute_concern_is_never_advice_nor_without_contact(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    lines = list(ACUTE.lines())
    assert "#advice" not in lines
    assert "#share" not in lines
    await reporter.script(lines[: lines.index("#confirm")])
    await reporter.pick("confirm")
    concern = (await _concerns(app, reporter))[0]
    assert concern.mode is Mode.SHARE
    assert concern.contact_allowed
    assert concern.acute
    # Whatever a stale or edited answer says, the account of an acute concern is shared.
    forced = concern_fields({"safety": "yes", "mode": "advice", "contact": "no"})
    assert forced["mode"] is Mode.SHARE
    assert forced["contact_allowed"]
