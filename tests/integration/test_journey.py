"""The core journey: a reporter shares, a coordinator triages and feeds back, the reporter hears."""

from __future__ import annotations

from datetime import timedelta

from bot.app.composition import App
from bot.channels.events import Address, Sender, TextReceived, parse_text
from bot.channels.replies import Reply
from bot.domain.model import Role
from bot.share_script import FACTS, INTERPRETATION
from bot.testing import SHARE_SCRIPT, Chat, FakeClock, RecordingOutlet
from tests.integration.conftest import (
    access_log,
    act,
    enrol,
    reference_in,
    share,
    share_script,
    status_of,
    texts,
)

CANARY = "CANARY"


async def set_status(
    coordinator: Chat,
    reference: str,
    status: str,
    note: str,
    outcome: str | None = None,
    reason: str = "",
) -> list[Reply]:
    """Walk the set-status dialog: status, (outcome), note, reason (for colleagues), confirm."""
    replies = await act(coordinator, "status", reference)
    replies += await coordinator.pick(status)
    if outcome is not None:
        replies += await coordinator.pick(outcome)
    replies += await coordinator.say(note)
    replies += await (coordinator.say(reason) if reason else coordinator.pick("skip"))
    replies += await coordinator.pick("yes")
    return replies


async def ask(coordinator: Chat, reference: str, question: str) -> list[Reply]:
    """Relay a question to the reporter of ``reference``."""
    return [*await act(coordinator, "ask", reference), *await coordinator.say(question)]


# Sharing


async def test_the_packaged_share_script_ends_with_a_reference(reporter: Chat) -> None:
    replies = await reporter.script(SHARE_SCRIPT)
    assert reference_in(replies)


async def test_a_reporter_shares_a_concern_gets_a_reference_and_sees_it_in_status(
    reporter: Chat, coordinator: Chat
) -> None:
    replies = await reporter.script(share_script())
    reference = reference_in(replies)
    last = replies[-1].text
    assert "Thank you. Your concern has been shared." in last
    assert "3 December, 10:00" in last  # "this week": three working days, in Amsterdam time
    assert "14 December, 10:00" in last  # feedback within 14 days
    assert "/status" in last
    status = texts(await reporter.say("/status"))
    assert reference in status
    assert "Received" in status


async def test_the_reporter_is_told_what_happens_next_before_anything_about_the_young_person(
    reporter: Chat,
) -> None:
    first = (await reporter.say("/new"))[0].text
    assert "share a worry" in first
    assert "immediate danger" in first
    card = (await reporter.script(["#no"]))[0].text
    assert "Stored encrypted" in card
    assert "no names" in card.lower()
    assert "How old" not in first + card


async def test_the_coordinator_is_alerted_with_actions_and_without_any_free_text(
    reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(
        reporter, share_script(counter_signals="CANARY-COUNTER-2b: he helps younger kids.")
    )
    alerts = coordinator.outlet.to(coordinator.address.user_id)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.text.startswith("New concern shared")
    assert reference in alert.text
    assert "16 or 17" in alert.text
    assert "School" in alert.text
    assert CANARY not in alert.text
    assert INTERPRETATION not in alert.text
    assert "Rita" not in alert.text
    assert [c.id for c in alert.choices] == [
        f"act:ack:{reference}",
        f"act:assign:{reference}",
        f"act:details:{reference}",
        f"act:ask:{reference}",
        f"act:status:{reference}",
    ]


async def test_every_coordinator_of_the_network_is_alerted_but_nobody_else(
    app: App, outlet: RecordingOutlet, reporter: Chat, coordinator: Chat, outsider: Chat
) -> None:
    second = await enrol(app, outlet, "Cleo-Coordinator", Role.COORDINATOR, "demo", "college-zuid")
    other_reporter = await enrol(app, outlet, "Rob-Reporter", Role.REPORTER, "demo", "college-zuid")
    reference = await share(reporter)
    for chat in (coordinator, second):
        assert [reference in r.text for r in outlet.to(chat.address.user_id)] == [True]
    assert outlet.to(outsider.address.user_id) == []
    assert outlet.to(other_reporter.address.user_id) == []


# The coordinator's side


async def test_the_list_shows_open_concerns_overdue_first(
    reporter: Chat, coordinator: Chat, clock: FakeClock
) -> None:
    seen_first = await share(reporter)
    await act(coordinator, "ack", seen_first)  # feedback due in 14 days: not overdue soon
    clock.advance(days=1)
    late = await share(reporter)  # to acknowledge by Thursday: overdue by Saturday
    clock.advance(days=4)
    fresh = await share(reporter)
    listing = (await coordinator.say("/list"))[-1]
    lines = listing.text.splitlines()
    assert lines[0] == "Open concerns (overdue first):"
    assert [line.split(" · ")[0].lstrip("• ") for line in lines[1:]] == [late, seen_first, fresh]
    assert "— LATE" in lines[1]
    assert "LATE" not in lines[2]
    assert [c.label for c in listing.choices] == [late, seen_first, fresh]


async def test_picking_a_concern_from_the_list_shows_its_card_without_free_text(
    reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    await coordinator.say("/list")
    card = (await coordinator.pick(reference))[-1]
    assert reference in card.text
    assert "Status: Received" in card.text
    assert "Assigned to: nobody yet" in card.text
    assert CANARY not in card.text
    assert f"act:details:{reference}" in [c.id for c in card.choices]


async def test_an_empty_list_says_so(coordinator: Chat) -> None:
    assert "There are no open concerns" in texts(await coordinator.say("/list"))


async def test_view_details_shows_the_facts_and_logs_who_and_which_without_content(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    details = (await act(coordinator, "details", reference))[-1]
    assert FACTS in details.text
    assert INTERPRETATION in details.text
    assert "I saw or heard it myself" in details.text
    assert "How often: Several times" in details.text
    assert "Young person or parents know: Not yet, they will be told" in details.text
    assert reporter.member.pseudonym in details.text  # pseudonymous: no name
    assert "Rita" not in details.text
    assert details.view is not None
    assert details.view.kind == "details"
    rows = [e for e in await access_log(app, reference) if e.action == "view_details"]
    assert len(rows) == 1
    row = rows[0]
    assert row.actor_member_id == coordinator.member.id
    assert row.concern_reference == reference
    assert row.outcome == "ok"
    assert row.at == app.clock.now()
    assert CANARY not in repr(row)


async def test_each_opening_of_the_details_is_logged_again(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    for _ in range(3):
        await act(coordinator, "details", reference)
    rows = [e for e in await access_log(app, reference) if e.action == "view_details"]
    assert len(rows) == 3


async def test_acknowledging_tells_the_reporter_in_plain_words(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    before = len(reporter.outlet.to(reporter.address.user_id))
    said = texts(await act(coordinator, "ack", reference))
    assert f"You acknowledged {reference}" in said
    heard = reporter.outlet.to(reporter.address.user_id)[before:]
    assert len(heard) == 1
    assert f"Update on your concern {reference}: Acknowledged." in heard[0].text
    assert await status_of(app, reference) == "acknowledged"
    again = texts(await act(coordinator, "ack", reference))
    assert "was already acknowledged" in again
    assert len(reporter.outlet.to(reporter.address.user_id)) == before + 1


async def test_a_question_reaches_the_reporter_and_the_answer_comes_back(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    prompt = texts(await act(coordinator, "ask", reference))
    assert "What do you want to ask the reporter" in prompt
    said = texts(await coordinator.say("Is this the first time you noticed it?"))
    assert "was sent to the reporter" in said
    question = reporter.outlet.to(reporter.address.user_id)[-1]
    assert f"question about your concern {reference}" in question.text
    assert "Is this the first time you noticed it?" in question.text
    assert "Carl" not in question.text
    assert [c.label for c in question.choices] == ["Answer"]
    prompt = texts(await reporter.pick("Answer"))
    assert f"Type your answer to the question about {reference}" in prompt
    thanks = texts(await reporter.say("No, it happened twice before."))
    assert "Your answer was passed on" in thanks
    answer = coordinator.outlet.to(coordinator.address.user_id)[-1]
    assert f"The reporter answered your question about {reference}" in answer.text
    assert "No, it happened twice before." in answer.text
    assert "Rita" not in answer.text
    actions = [(e.action, e.outcome) for e in await access_log(app, reference)]
    assert ("relay_question", "ok") in actions
    assert ("relay_answer", "ok") in actions


async def test_a_question_about_a_loosely_written_reference_still_reaches_the_reporter(
    reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    loose = reference.replace("-", " ").lower()
    said = texts(await ask(coordinator, loose, "Which class?"))
    assert "was sent to the reporter" in said
    assert "Which class?" in reporter.outlet.to(reporter.address.user_id)[-1].text


async def test_a_question_can_be_answered_only_once(reporter: Chat, coordinator: Chat) -> None:
    reference = await share(reporter)
    await ask(coordinator, reference, "When?")
    await reporter.pick("Answer")
    await reporter.say("Monday.")
    again = texts(await reporter.pick("Answer"))
    assert "You already answered that question" in again


async def test_every_status_change_reaches_the_reporter_with_the_note(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    await act(coordinator, "ack", reference)
    steps = [
        ("in_analysis", None, "We are looking into it with the school.", "In analysis"),
        ("action_taken", None, "The school talked with the pupil.", "Action taken"),
        ("closed", "case_meeting", "Discussed in the case meeting; closed.", "Closed"),
    ]
    for status, outcome, note, shown in steps:
        before = len(reporter.outlet.to(reporter.address.user_id))
        said = texts(await set_status(coordinator, reference, status, note, outcome))
        assert f"{reference} is now: {shown}. The reporter has been told." in said
        heard = reporter.outlet.to(reporter.address.user_id)[before:]
        assert len(heard) == 1
        assert f"Update on your concern {reference}: {shown}." in heard[0].text
        assert f"Note from the coordinator: {note}" in heard[0].text
        assert await status_of(app, reference) == status
    closing = reporter.outlet.to(reporter.address.user_id)[-1]
    assert "Outcome: Discussed in the network's case meeting" in closing.text
    assert "Was sharing this concern useful to you?" in closing.text
    status = texts(await reporter.say("/status"))
    assert "Closed (Discussed in the network's case meeting)" in status
    assert "Last feedback: Discussed in the case meeting; closed." in status
    changes = [e.outcome for e in await access_log(app, reference) if e.action == "status_change"]
    assert changes == ["ok:acknowledged", "ok:in_analysis", "ok:action_taken", "ok:closed"]
    assert "There are no open concerns" in texts(await coordinator.say("/list"))


async def test_a_note_given_when_acknowledging_through_the_status_dialog_is_kept(
    reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    await set_status(coordinator, reference, "acknowledged", "Seen; I will call the school.")
    status = texts(await reporter.say("/status"))
    assert "Last feedback: Seen; I will call the school." in status


async def test_a_closed_concern_cannot_be_moved_or_asked_about(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    await set_status(coordinator, reference, "closed", "Done.", "no_further_action")
    assert f"{reference} is closed." in texts(await act(coordinator, "status", reference))
    assert f"{reference} is closed." in texts(await act(coordinator, "ask", reference))
    assert await status_of(app, reference) == "closed"


async def test_the_whole_journey_from_share_to_closing_feedback(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    assert reference in texts(await reporter.say("/status"))
    assert reference in texts(await coordinator.say("/list"))
    assert FACTS in texts(await act(coordinator, "details", reference))
    await act(coordinator, "ack", reference)
    await ask(coordinator, reference, "Did he say where he saw it?")
    await reporter.pick("Answer")
    await reporter.say("On a video platform.")
    assert "On a video platform." in coordinator.outlet.to(coordinator.address.user_id)[-1].text
    await set_status(coordinator, reference, "in_analysis", "Looking into it.")
    await set_status(coordinator, reference, "action_taken", "The mentor talks with him.")
    await set_status(
        coordinator, reference, "closed", "Handled at school.", "handled_in_organisation"
    )
    heard = [r.text for r in reporter.outlet.to(reporter.address.user_id)]
    for expected in (
        "Acknowledged.",
        "Did he say where he saw it?",
        "Looking into it.",
        "The mentor talks with him.",
        "Handled at school.",
    ):
        assert any(expected in text for text in heard), expected
    assert [e.action for e in await access_log(app, reference)] == [
        "share",
        "view_details",
        "status_change",
        "relay_question",
        "relay_answer",
        "status_change",
        "status_change",
        "status_change",
    ]


# Who may do what


async def test_a_coordinator_of_another_network_can_neither_see_nor_act_and_is_logged(
    app: App, reporter: Chat, coordinator: Chat, outsider: Chat
) -> None:
    reference = await share(reporter)
    heard_by_reporter = len(reporter.outlet.to(reporter.address.user_id))
    assert outsider.outlet.to(outsider.address.user_id) == []
    assert "There are no open concerns" in texts(await outsider.say("/list"))
    refused = f"There is no concern {reference} that you can see."
    for verb in ("show", "details", "ack", "assign", "ask", "status"):
        said = texts(await act(outsider, verb, reference))
        assert refused in said, verb
        assert CANARY not in said
    assert refused in texts(await outsider.say(f"/show {reference.lower()}"))
    assert await status_of(app, reference) == "received"
    denied = [
        e.action
        for e in await access_log(app, reference)
        if e.actor_member_id == outsider.member.id and e.outcome == "denied"
    ]
    assert denied == [
        "show",
        "view_details",
        "acknowledge",
        "assign",
        "relay_question",
        "status_change",
        "show",
    ]
    assert len(reporter.outlet.to(reporter.address.user_id)) == heard_by_reporter
    assert len(coordinator.outlet.to(coordinator.address.user_id)) == 1  # the alert only
    async with app.uow() as uow:
        assert await uow.dialogs.load(outsider.member.id or 0) is None


async def test_a_reporter_cannot_list_or_use_coordinator_actions(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    alerts = len(coordinator.outlet.to(coordinator.address.user_id))
    assert "Only coordinators can list concerns" in texts(await reporter.say("/list"))
    for verb in ("show", "details", "ack", "assign"):
        said = texts(await act(reporter, verb, reference))
        assert f"There is no concern {reference} that you can see." in said, verb
        assert FACTS not in said
    for verb in ("ask", "status"):
        said = texts(await act(reporter, verb, reference))
        assert "That is not available for your role." in said, verb
    assert await status_of(app, reference) == "received"
    assert len(coordinator.outlet.to(coordinator.address.user_id)) == alerts
    denied = [
        e.action
        for e in await access_log(app, reference)
        if e.actor_member_id == reporter.member.id and e.outcome == "denied"
    ]
    assert denied == ["show", "view_details", "acknowledge", "assign"]


async def test_a_reporter_sees_only_their_own_concerns(
    app: App, outlet: RecordingOutlet, reporter: Chat
) -> None:
    mine = await share(reporter)
    colleague = await enrol(app, outlet, "Rob-Reporter", Role.REPORTER, "demo", "college-zuid")
    theirs = await share(colleague)
    status = texts(await reporter.say("/status"))
    assert mine in status
    assert theirs not in status


async def test_an_unknown_user_gets_the_explanation_and_nothing_else(
    app: App, outlet: RecordingOutlet, coordinator: Chat
) -> None:
    stranger = Sender(Address(outlet.name, "stranger-42"), language="en")
    for line in ("hello", "/new", "/list", "/status"):
        await app.bot.handle(parse_text(stranger, line))
    await coordinator.deliverer.deliver_due()
    heard = outlet.to("stranger-42")
    assert len(heard) == 4
    for reply in heard:
        assert "Only invited professionals can use it." in reply.text
        assert "Ask de contactpersoon polarisatie" in reply.text  # [bot] public_contact
        assert "112" in reply.text
        assert reply.choices == ()
    assert outlet.to(coordinator.address.user_id) == []
    async with app.uow() as uow:
        assert await uow.members.by_address(stranger.address) is None
        assert await uow.outbox.pending_count() == 0
    rows = [e for e in await access_log(app) if e.action == "unknown_sender"]
    assert [(r.actor_member_id, r.outcome) for r in rows] == [(None, "denied")] * 4


async def test_an_unknown_user_with_a_wrong_invite_code_is_not_enrolled(
    app: App, outlet: RecordingOutlet, coordinator: Chat
) -> None:
    stranger = Sender(Address(outlet.name, "stranger-43"))
    await app.bot.handle(parse_text(stranger, "/start NOTACODE"))
    await coordinator.deliverer.deliver_due()
    assert len(outlet.to("stranger-43")) == 1
    async with app.uow() as uow:
        assert await uow.members.by_address(stranger.address) is None


async def test_a_reporter_who_said_no_contact_cannot_be_asked(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter, share_script(contact=False))
    before = len(reporter.outlet.to(reporter.address.user_id))
    said = texts(await act(coordinator, "ask", reference))
    assert f"The reporter of {reference} chose not to be contacted." in said
    assert len(reporter.outlet.to(reporter.address.user_id)) == before
    async with app.uow() as uow:
        assert await uow.dialogs.load(coordinator.member.id or 0) is None
    assert ("relay_question", "refused:no_contact") in [
        (e.action, e.outcome) for e in await access_log(app, reference)
    ]
    details = texts(await act(coordinator, "details", reference))
    assert "The coordinator may contact the reporter: no" in details


async def test_an_acute_concern_must_be_acknowledged_within_15_minutes(
    app: App, reporter: Chat, coordinator: Chat, clock: FakeClock
) -> None:
    calm = await share(reporter)
    replies = await reporter.script(share_script(acute=True))
    reference = reference_in(replies)
    assert "in immediate danger, call 112" in replies[-1].text
    assert "30 November, 10:15" in replies[-1].text  # 09:15 UTC, in Amsterdam time
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
    assert concern is not None
    assert concern.acute
    assert concern.urgency == "acute"
    assert concern.acknowledge_due == concern.created_at + timedelta(minutes=15)
    alert = coordinator.outlet.to(coordinator.address.user_id)[-1]
    # The alert went out at the safety answer; the last message completes it.
    assert alert.text.startswith(f"Update on {reference}:\nACUTE concern shared")
    listing = (await coordinator.say("/list"))[-1].text.splitlines()
    assert listing[1].startswith(f"• {reference} · ACUTE")
    assert calm in listing[2]
    clock.advance(minutes=16)
    listing = (await coordinator.say("/list"))[-1].text.splitlines()
    assert listing[1].startswith(f"• {reference}")
    assert "— LATE" in listing[1]
    assert "LATE" not in listing[2]


async def test_a_message_outside_any_dialog_gets_a_pointer_to_new_and_help(
    reporter: Chat,
) -> None:
    said = texts(await reporter.send(TextReceived(Sender(reporter.address), "hello?")))
    assert "/new" in said
    assert "/help" in said
