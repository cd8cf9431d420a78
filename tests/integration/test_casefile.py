"""The case file: one timeline per concern in the audited details view, internal notes,
handovers to a named colleague, reopening, links, status reasons and usefulness remarks."""

from __future__ import annotations

from sqlalchemy import select

from adapters.telegram.translate import split_text
from bot.app.composition import App
from bot.channels.replies import Reply
from bot.conversation.text import MAX_MESSAGE_CHARS
from bot.conversation.text_units import utf16_len
from bot.domain.model import Role, Status
from bot.storage.tables import case_events
from bot.testing import Chat, FakeClock, RecordingOutlet, fixed_cipher, join
from tests.integration.conftest import access_log, act, share, texts

NOTE = "Mentor knows the boy well; ask her before the case meeting."
REASON = "Second signal from this school in a month."
FEEDBACK = "We are looking into it with the school."
HANDOVER = "Dirk knows the school's care team; the mentor expects a call on Friday."
REOPEN = "The school reports new flyers in the canteen."


async def case_event_texts(app: App) -> list[str | None]:
    """Every stored case event's sealed text, as it is at rest."""
    async with app.engine.connect() as connection:
        return [r.text_enc for r in await connection.execute(select(case_events))]


async def details(chat: Chat, reference: str) -> str:
    """The details view's text as ``chat``'s coordinator reads it."""
    return texts(await act(chat, "details", reference))


async def set_status(chat: Chat, reference: str, lines: list[str]) -> None:
    """Run the status dialog with these answers."""
    await act(chat, "status", reference)
    await chat.script(lines)


async def test_the_timeline_shows_every_event_in_order_with_who_and_when(
    app: App, outlet: RecordingOutlet, reporter: Chat, coordinator: Chat, clock: FakeClock
) -> None:
    dirk = await join(app, outlet, "Dirk", Role.COORDINATOR)
    reference = await share(reporter)
    clock.advance(minutes=5)
    await act(coordinator, "ack", reference)
    clock.advance(minutes=5)
    await act(coordinator, "ask", reference)
    await coordinator.say("Was anyone else there?")
    await reporter.pick("Answer")
    await reporter.say("Two classmates.")
    clock.advance(minutes=5)
    await set_status(coordinator, reference, ["#in_analysis", FEEDBACK, REASON, "#yes"])
    await coordinator.say(f"/casenote {reference} {NOTE}")
    clock.advance(minutes=5)
    await coordinator.script([f"/assign {reference}", "#Dirk", HANDOVER, "#yes"])
    clock.advance(minutes=5)

    shown = await details(dirk, reference)

    case_file = shown[shown.index("Case file (only coordinators see this):") :]
    order = [
        "Shared — ",
        "Acknowledged — Carl-Coordinator (coordinator)",
        "Question to the reporter — Carl-Coordinator (coordinator)\n   Was anyone else there?",
        "Answer of the reporter — ",
        "   Two classmates.",
        "Status: In analysis — Carl-Coordinator (coordinator)\n"
        f"   Reason (for colleagues): {REASON}\n"
        f"   Feedback to the reporter: {FEEDBACK}",
        f"Internal note — Carl-Coordinator (coordinator)\n   {NOTE}",
        f"Handed over: Dirk — Carl-Coordinator (coordinator)\n   {HANDOVER}",
    ]
    positions = [case_file.index(part) for part in order]
    assert positions == sorted(positions)
    assert "(reporter)" in case_file  # the reporter shown by pseudonym, as the details name them
    assert "Rita-Reporter-q9" not in case_file
    assert [e.outcome for e in await access_log(app, reference) if e.action == "view_details"] == [
        "ok"
    ]


async def test_the_reporter_is_named_in_the_timeline_as_in_the_details(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    shown = await details(coordinator, reference)
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
    assert concern is not None
    reporter_line = shown.split("Shared — ")[1].split("\n")[0]
    expected = "Rita-Reporter-q9" if concern.identity_shown else reporter.member.pseudonym
    assert reporter_line.startswith(expected)


async def test_an_internal_note_is_sealed_and_never_reaches_the_reporter(
    app: App, outlet: RecordingOutlet, reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    before = len(outlet.to(reporter.address.user_id))
    said = await coordinator.say(f"/casenote {reference} {NOTE}")
    assert said[-1].text.startswith(f"Note added to the case file of {reference}.")
    assert len(outlet.to(reporter.address.user_id)) == before
    [sealed] = await case_event_texts(app)
    assert sealed is not None
    assert "Mentor" not in sealed
    assert fixed_cipher().open(sealed, "case_events.text") == NOTE
    assert NOTE in await details(coordinator, reference)


async def test_a_note_can_be_written_in_a_dialog(reporter: Chat, coordinator: Chat) -> None:
    reference = await share(reporter)
    asked = await coordinator.say(f"/casenote {reference}")
    assert "never sent to the reporter" in asked[-1].text
    await coordinator.say(NOTE)
    assert NOTE in await details(coordinator, reference)


async def test_only_coordinators_of_the_network_add_notes_and_refusals_are_logged(
    app: App, reporter: Chat, coordinator: Chat, outsider: Chat
) -> None:
    reference = await share(reporter)
    for chat in (outsider, reporter):
        refused = await chat.say(f"/casenote {reference} {NOTE}")
        assert refused[-1].text == f"There is no concern {reference} that you can see."
    assert await case_event_texts(app) == []
    denied = [e for e in await access_log(app, reference) if e.action == "case_note"]
    assert [(e.actor_member_id, e.outcome) for e in denied] == [
        (outsider.member.id, "denied"),
        (reporter.member.id, "denied"),
    ]


async def test_a_handover_tells_the_new_and_the_previous_assignee_and_the_reporter_without_names(
    app: App, outlet: RecordingOutlet, reporter: Chat, coordinator: Chat
) -> None:
    dirk = await join(app, outlet, "Dirk", Role.COORDINATOR)
    eva = await join(app, outlet, "Eva", Role.COORDINATOR)
    reference = await share(reporter)
    await act(coordinator, "ack", reference)  # Carl is the assignee
    choices = await eva.say(f"/assign {reference}")
    assert [c.label for c in choices[-1].choices] == ["Dirk"]  # not Carl (assignee), not Eva
    await eva.script(["#Dirk", HANDOVER])
    done = await eva.pick("yes")

    assert done[-1].text == (
        f"{reference} is now assigned to Dirk. Told directly: Dirk, Carl-Coordinator."
    )
    to_dirk = outlet.to("Dirk")[-1]
    assert to_dirk.text.startswith(f"Eva handed {reference} over to you")
    assert HANDOVER in to_dirk.text
    to_carl = outlet.to("Carl-Coordinator")[-1].text
    assert to_carl == f"Eva handed {reference} over to Dirk; you are no longer responsible."
    to_reporter = outlet.to(reporter.address.user_id)[-1].text
    assert to_reporter.startswith(f"Another coordinator has taken over your concern {reference}")
    assert "Dirk" not in to_reporter
    assert "Eva" not in to_reporter
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
    assert concern is not None
    assert concern.assignee_id == dirk.member.id


async def test_the_card_offers_hand_over_and_the_handover_note_is_required(
    app: App, outlet: RecordingOutlet, reporter: Chat, coordinator: Chat
) -> None:
    await join(app, outlet, "Dirk", Role.COORDINATOR)
    reference = await share(reporter)
    card = await coordinator.say(f"/show {reference}")
    assert "Hand over" in [c.label for c in card[-1].choices]
    await coordinator.pick("Hand over")
    asked = await coordinator.pick("Dirk")
    assert [c.id for c in asked[-1].choices] == []  # no Skip: a handover needs a note


async def test_reopening_a_closed_concern_keeps_the_old_outcome_in_its_history(
    app: App, reporter: Chat, coordinator: Chat, clock: FakeClock
) -> None:
    reference = await share(reporter)
    await set_status(coordinator, reference, ["#closed", "#advice_given", "#skip", "#skip", "#yes"])
    clock.advance(days=3)
    await coordinator.script([f"/reopen {reference}", REOPEN])
    done = await coordinator.pick("yes")

    assert done[-1].text == f"{reference} is open again: In analysis. The reporter has been told."
    heard = reporter.outlet.to(reporter.address.user_id)[-1].text
    assert heard.startswith(f"Your concern {reference} has been taken up again")
    assert REOPEN not in heard
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
    assert concern is not None
    assert concern.status is Status.IN_ANALYSIS
    assert concern.outcome is None
    assert concern.closed_at is None
    assert concern.feedback_due > app.clock.now()
    assert [c.outcome for c in concern.history if c.status is Status.CLOSED] == ["advice_given"]
    shown = await details(coordinator, reference)
    assert f"Reopened — Carl-Coordinator (coordinator)\n   {REOPEN}" in shown


async def test_an_open_concern_is_not_reopened(reporter: Chat, coordinator: Chat) -> None:
    reference = await share(reporter)
    said = await coordinator.say(f"/reopen {reference}")
    assert said[-1].text == f"{reference} is not closed."


async def test_linked_concerns_show_on_both_cards_and_reporters_never_see_it(
    app: App, outlet: RecordingOutlet, reporter: Chat, coordinator: Chat, outsider: Chat
) -> None:
    rob = await join(app, outlet, "Rob")
    first = await share(reporter)
    second = await share(rob)
    said = await coordinator.say(f"/link {first} {second}")
    assert said[-1].text == f"{first} and {second} are now linked. Only coordinators see this."
    assert f"Linked to {second}" in texts(await coordinator.say(f"/show {first}"))
    assert f"Linked to {first}" in texts(await coordinator.say(f"/show {second}"))
    assert f"Linked to: {second}" in await details(coordinator, first)
    refused = await outsider.say(f"/link {first} {second}")
    assert refused[-1].text == f"There is no concern {first} that you can see."
    await reporter.say("/status")
    await rob.say("/status")
    assert second not in texts(outlet.to(reporter.address.user_id))
    assert first not in texts(outlet.to("Rob"))
    await coordinator.say(f"/unlink {first} {second}")
    assert f"Linked to {second}" not in texts(await coordinator.say(f"/show {first}"))


async def test_usefulness_answer_and_remark_reach_the_timeline_and_the_stats(
    app: App, reporter: Chat, coordinator: Chat, clock: FakeClock
) -> None:
    reference = await share(reporter)
    await set_status(coordinator, reference, ["#closed", "#advice_given", "#skip", "#skip", "#yes"])
    await act(reporter, "useful", f"{reference}~partly")
    await reporter.say("The note came late.")
    clock.advance(minutes=1)
    shown = await details(coordinator, reference)
    assert "Was sharing useful?: Partly — " in shown
    assert "   The note came late." in shown
    stats = texts(await coordinator.say("/stats"))
    assert "with a remark: 1 (read them in each concern's case file)" in stats
    assert "The note came late." not in stats


async def test_a_long_timeline_reaches_the_chat_in_parts_that_fit(
    app: App, reporter: Chat, coordinator: Chat, clock: FakeClock
) -> None:
    reference = await share(reporter)
    for n in range(12):
        await coordinator.say(f"/casenote {reference} {n}: " + "word " * 80)
    clock.advance(minutes=1)
    [view] = [r for r in await act(coordinator, "details", reference) if r.view is not None]
    assert isinstance(view, Reply)
    assert len(view.text) > MAX_MESSAGE_CHARS
    parts = split_text(view.text)  # as the Telegram adapter sends it; Slack cuts in sections
    assert len(parts) > 1
    assert all(utf16_len(p) <= MAX_MESSAGE_CHARS for p in parts)
    assert "11: word" in parts[-1]


async def test_a_reason_given_with_the_command_reopens_at_once(
    reporter: Chat, coordinator: Chat
) -> None:
    reference = await share(reporter)
    await set_status(coordinator, reference, ["#closed", "#advice_given", "#skip", "#skip", "#yes"])
    done = await coordinator.say(f"/reopen {reference} {REOPEN}")
    assert done[-1].text == f"{reference} is open again: In analysis. The reporter has been told."
    assert f"Reopened — Carl-Coordinator (coordinator)\n   {REOPEN}" in await details(
        coordinator, reference
    )


async def test_a_link_to_a_concern_that_was_deleted_is_no_longer_shown(
    app: App, outlet: RecordingOutlet, reporter: Chat, coordinator: Chat
) -> None:
    rob = await join(app, outlet, "Rob")
    first = await share(reporter)
    second = await share(rob)
    await coordinator.say(f"/link {first} {second}")
    async with app.uow() as uow:
        gone = await uow.concerns.by_reference(second)
        assert gone is not None
        assert gone.id is not None
        await uow.concerns.delete(gone.id)
        await uow.commit()
    assert "Linked to" not in texts(await coordinator.say(f"/show {first}"))


async def test_the_card_offers_assign_to_me_to_colleagues_not_to_the_assignee(
    app: App, outlet: RecordingOutlet, reporter: Chat, coordinator: Chat
) -> None:
    dirk = await join(app, outlet, "Dirk", Role.COORDINATOR)
    reference = await share(reporter)
    await act(coordinator, "ack", reference)  # acknowledging assigns it to the coordinator

    (own,) = await coordinator.say(f"/show {reference}")
    (colleague,) = await dirk.say(f"/show {reference}")

    assign = f"act:assign:{reference}"
    assert assign not in [c.id for c in own.choices]
    assert f"act:status:{reference}" in [c.id for c in own.choices]
    assert assign in [c.id for c in colleague.choices]
