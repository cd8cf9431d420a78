"""Access control in the core: reporters see only their own concerns, coordinators only their
own network's, whatever channel a (forged) action arrives on. Every refusal is logged."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Update

from adapters.slack import translate as slack_channel
from adapters.slack.channel import SlackAdapter
from adapters.telegram import translate as telegram_channel
from adapters.telegram.channel import TelegramAdapter
from bot.app.composition import App
from bot.channels.events import (
    Address,
    ChoiceMade,
    CommandReceived,
    InboundEvent,
    Sender,
    TextReceived,
)
from bot.channels.replies import Reply
from bot.delivery.worker import Deliverer
from bot.domain.model import AccessLogEntry, Member, Network, Organisation, Role, Status
from bot.storage.members import new_pseudonym
from bot.storage.tables import concerns, dialog_states, questions, usefulness
from bot.testing import (
    SHARE_SCRIPT,
    Chat,
    FakeClock,
    RecordingOutlet,
    example_settings,
    join,
    start_app,
)

WEST = Network(
    id="west",
    name="Netwerk West",
    organisations=(Organisation("west-school", "School West"),),
)
TEAM = "T0TEST"
NOBODY_SEES = "There is no concern {reference} that you can see."
_update_ids = itertools.count(5000)


@dataclass
class Town:
    """Two networks: A (the example's demo network) with two reporters and a coordinator,
    and B (west) with a coordinator reachable on Telegram and on Slack."""

    app: App
    rita: Chat
    rob: Chat
    carl: Chat
    west: Member
    west_telegram: RecordingOutlet
    west_deliverer: Deliverer

    async def deny_log(self, member_id: int | None) -> list[AccessLogEntry]:
        """Refusals logged for an actor."""
        async with self.app.uow() as uow:
            rows = await uow.access_log.entries()
        return [r for r in rows if r.actor_member_id == member_id and r.outcome == "denied"]

    async def concern_row(self, reference: str) -> Any:
        """The raw row of a concern (None once it is gone)."""
        async with self.app.engine.connect() as connection:
            query = select(concerns).where(concerns.c.reference == reference)
            return (await connection.execute(query)).first()

    async def count(self, table: Any, *where: Any) -> int:
        """Rows in ``table`` matching ``where``."""
        async with self.app.engine.connect() as connection:
            query = select(func.count()).select_from(table).where(*where)
            return int((await connection.execute(query)).scalar_one())

    async def telegram(self, update: dict[str, Any]) -> list[Reply]:
        """Translate a Telegram update as the adapter does, handle it, deliver, return replies."""
        event = telegram_channel.to_event(Update.de_json(update, None))
        assert event is not None
        before = len(self.west_telegram.sent)
        await self.app.bot.handle(event, TelegramAdapter.capabilities)
        await self.west_deliverer.deliver_due()
        return self.west_telegram.sent[before:]

    async def slack(self, body: dict[str, Any]) -> list[Reply]:
        """Translate a Slack request body as the adapter does and answer it in place."""
        event = slack_channel.event_of(body)
        assert event is not None
        return await self.app.bot.respond(event, SlackAdapter.capabilities)


async def enrol(app: App, address: Address, role: Role, network: Network, name: str) -> Member:
    """A member of ``network`` reachable at ``address`` (as an invite would make one)."""
    async with app.uow() as uow:
        member = await uow.members.add(
            Member(
                id=None,
                network_id=network.id,
                organisation_id=network.organisations[0].id,
                role=role,
                language="en",
                display_name=name,
                pseudonym=new_pseudonym(),
                created_at=app.clock.now(),
            ),
            address,
        )
        await uow.commit()
    return member


async def share(chat: Chat) -> str:
    """Share a concern through the whole dialog; returns its reference."""
    await chat.script(SHARE_SCRIPT)
    async with chat.app.uow() as uow:
        assert chat.member.id is not None
        mine = await uow.concerns.of_reporter(chat.member.id)
    return mine[0].reference


def callback(chat_id: int, data: str) -> dict[str, Any]:
    """A Telegram callback query, as Telegram delivers a button press (here: forged data)."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Wes", "language_code": "en"}
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": user,
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": chat_id, "type": "private", "first_name": "Wes"},
                "text": "…",
            },
        },
    }


def telegram_text(chat_id: int, text: str) -> dict[str, Any]:
    """A Telegram text message in a private chat."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Wes", "language_code": "en"}
    message = {
        "message_id": next(_update_ids),
        "date": 0,
        "chat": {"id": chat_id, "type": "private", "first_name": "Wes"},
        "from": user,
        "text": text,
    }
    return {"update_id": next(_update_ids), "message": message}


def slack_action(user: str, action_id: str, value: str) -> dict[str, Any]:
    """A Slack block_actions body for a button press (here: a forged value)."""
    return {
        "type": "block_actions",
        "user": {"id": user, "name": "wes", "team_id": TEAM},
        "team": {"id": TEAM},
        "trigger_id": "trigger",
        "channel": {"id": "C0WEST"},
        "actions": [{"action_id": action_id, "value": value, "action_ts": str(next(_update_ids))}],
    }


def slack_form(user: str, form: str, reference: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A Slack view_submission body for a modal naming ``reference`` in its metadata."""
    return {
        "type": "view_submission",
        "user": {"id": user, "name": "wes", "team_id": TEAM},
        "team": {"id": TEAM},
        "view": {
            "id": f"V{next(_update_ids)}",
            "callback_id": form,
            "private_metadata": f"{reference}|C0WEST",
            "state": {"values": fields},
        },
    }


@pytest.fixture
async def town(tmp_path: Path) -> AsyncIterator[Town]:
    """The two networks on a fresh database."""
    settings = example_settings(tmp_path / "bot.db")
    settings = dataclasses.replace(settings, networks=(*settings.networks, WEST))
    app = await start_app(settings, FakeClock())
    outlet = RecordingOutlet()
    rita = await join(app, outlet, "rita")
    rob = await join(app, outlet, "rob")
    carl = await join(app, outlet, "carl", Role.COORDINATOR)
    west = await enrol(app, Address("telegram", "9001"), Role.COORDINATOR, WEST, "Wes")
    assert west.id is not None
    async with app.uow() as uow:
        # Wes gave a right step-up code just now: what refuses him here is the network.
        await uow.totp.begin(west.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", app.clock.now())
        await uow.totp.accepted(west.id, 1, app.clock.now())
        await uow.commit()
    async with app.uow() as uow:
        await uow.members.link(west.id, slack_channel.user_address(TEAM, "U0WEST"), app.clock.now())
        await uow.commit()
    west_telegram = RecordingOutlet(name="telegram")
    deliverer = Deliverer(app.uow, {"telegram": west_telegram}, app.clock, settings.outbox)
    yield Town(app, rita, rob, carl, west, west_telegram, deliverer)
    await app.close()


# --- reporters -----------------------------------------------------------------------------


async def test_a_reporters_status_lists_their_own_concerns_and_no_one_elses(town: Town) -> None:
    ritas = await share(town.rita)
    robs = await share(town.rob)

    shown = "\n".join(r.text for r in await town.rita.say("/status"))

    assert ritas in shown
    assert robs not in shown


async def test_a_reporter_cannot_open_or_act_on_another_reporters_concern(town: Town) -> None:
    robs = await share(town.rob)
    forged = ("details", "ack", "assign", "show", "status", "ask")

    for verb in forged:
        replies = await town.rita.send(ChoiceMade(Sender(town.rita.address), f"act:{verb}:{robs}"))
        said = "\n".join(r.text for r in replies)
        assert "CANARY-FACT" not in said
        assert "no concern" in said or "not available for your role" in said, verb

    row = await town.concern_row(robs)
    assert row.status == Status.RECEIVED.value
    assert row.assignee_id is None
    assert await town.count(questions) == 0
    denied = await town.deny_log(town.rita.member.id)
    assert {(r.action, r.concern_reference) for r in denied} >= {
        ("view_details", robs),
        ("acknowledge", robs),
        ("assign", robs),
        ("show", robs),
    }


async def test_a_forged_answer_button_for_another_reporters_question_is_refused(
    town: Town,
) -> None:
    robs = await share(town.rob)
    await town.carl.send(ChoiceMade(Sender(town.carl.address), f"act:ask:{robs}"))
    await town.carl.say("Did this happen more than once?")
    async with town.app.uow() as uow:
        concern = await uow.concerns.by_reference(robs)
        assert concern is not None
        assert concern.id is not None
        (question,) = await uow.questions.of_concern(concern.id)

    replies = await town.rita.send(
        ChoiceMade(Sender(town.rita.address), f"act:answer:{question.id}")
    )
    await town.rita.say("CANARY-ANSWER-FORGED: yes, twice.")

    assert "That question cannot be found." in replies[0].text
    assert await town.count(dialog_states, dialog_states.c.member_id == town.rita.member.id) == 0
    async with town.app.uow() as uow:
        stored = await uow.questions.get(question.id)
    assert stored is not None
    assert stored.answer is None
    assert [r.action for r in await town.deny_log(town.rita.member.id)] == ["relay_answer"]
    assert not any("twice" in r.text for r in town.carl.outlet.to("carl"))


async def test_a_forged_usefulness_button_for_another_reporters_concern_is_refused(
    town: Town,
) -> None:
    robs = await share(town.rob)
    await town.carl.send(ChoiceMade(Sender(town.carl.address), f"act:status:{robs}"))
    await town.carl.script(["#closed", "#advice_given", "#skip", "#skip", "#yes"])
    assert (await town.concern_row(robs)).status == Status.CLOSED.value

    replies = await town.rita.send(ChoiceMade(Sender(town.rita.address), f"act:useful:{robs}~yes"))

    assert replies[0].text == "That button is no longer valid."
    assert await town.count(usefulness) == 0
    assert await town.count(dialog_states, dialog_states.c.member_id == town.rita.member.id) == 0
    denied = await town.deny_log(town.rita.member.id)
    assert [(r.action, r.concern_reference) for r in denied] == [("usefulness", robs)]


# --- coordinators of another network -------------------------------------------------------

FORGED_ACTIONS = (
    ("details", "view_details"),
    ("ack", "acknowledge"),
    ("assign", "assign"),
    ("ask", "relay_question"),
    ("status", "status_change"),
    ("show", "show"),
)


@pytest.mark.parametrize(("verb", "logged"), FORGED_ACTIONS)
async def test_a_forged_telegram_callback_from_another_networks_coordinator_is_refused_and_logged(
    town: Town, verb: str, logged: str
) -> None:
    ritas = await share(town.rita)

    replies = await town.telegram(callback(9001, f"|act:{verb}:{ritas}"))

    assert [r.text for r in replies] == [NOBODY_SEES.format(reference=ritas)]
    row = await town.concern_row(ritas)
    assert (row.status, row.assignee_id, row.acknowledged_by) == ("received", None, None)
    assert await town.count(questions) == 0
    assert await town.count(dialog_states, dialog_states.c.member_id == town.west.id) == 0
    denied = await town.deny_log(town.west.id)
    assert [(r.action, r.concern_reference, r.channel) for r in denied] == [
        (logged, ritas, "telegram")
    ]


@pytest.mark.parametrize(("verb", "logged"), FORGED_ACTIONS)
async def test_a_forged_slack_button_from_another_networks_coordinator_is_refused_and_logged(
    town: Town, verb: str, logged: str
) -> None:
    ritas = await share(town.rita)

    replies = await town.slack(slack_action("U0WEST", f"act:{verb}", ritas))

    assert [r.text for r in replies] == [NOBODY_SEES.format(reference=ritas)]
    assert not any(r.view is not None for r in replies)
    row = await town.concern_row(ritas)
    assert (row.status, row.assignee_id) == ("received", None)
    denied = await town.deny_log(town.west.id)
    assert [(r.action, r.concern_reference, r.channel) for r in denied] == [
        (logged, ritas, "slack")
    ]


async def test_another_networks_coordinator_cannot_view_a_relayed_reply(town: Town) -> None:
    ritas = await share(town.rita)
    await town.carl.send(ChoiceMade(Sender(town.carl.address), f"act:ask:{ritas}"))
    await town.carl.say("Where did this happen?")
    await town.rita.pick("Answer")
    await town.rita.say("CANARY-ANSWER-3b1: in the schoolyard.")
    async with town.app.uow() as uow:
        concern = await uow.concerns.by_reference(ritas)
        assert concern is not None
        assert concern.id is not None
        (question,) = await uow.questions.of_concern(concern.id)

    replies = await town.telegram(callback(9001, f"|act:reply:{question.id}"))

    assert [r.text for r in replies] == [NOBODY_SEES.format(reference=ritas)]
    denied = await town.deny_log(town.west.id)
    assert [(r.action, r.concern_reference) for r in denied] == [("view_reply", ritas)]


async def test_a_slack_form_from_another_networks_coordinator_changes_nothing_and_is_logged(
    town: Town,
) -> None:
    ritas = await share(town.rita)
    status_form = {
        "status": {"value": {"type": "static_select", "selected_option": {"value": "closed"}}},
        "outcome": {"value": {"type": "static_select", "selected_option": {"value": "referred"}}},
        "note": {"value": {"type": "plain_text_input", "value": "Handled elsewhere."}},
    }
    ask_form = {"question": {"value": {"type": "plain_text_input", "value": "Which class?"}}}

    closed = await town.slack(slack_form("U0WEST", "status", ritas, status_form))
    asked = await town.slack(slack_form("U0WEST", "ask", ritas, ask_form))

    assert [r.text for r in closed + asked] == [NOBODY_SEES.format(reference=ritas)] * 2
    row = await town.concern_row(ritas)
    assert (row.status, row.outcome, row.closed_at) == ("received", None, None)
    assert await town.count(questions) == 0
    assert not town.rita.outlet.to("rita")[-1].text.startswith("Update on your concern")
    denied = await town.deny_log(town.west.id)
    assert [(r.action, r.concern_reference) for r in denied] == [
        ("status_change", ritas),
        ("relay_question", ritas),
    ]


async def test_another_networks_coordinator_cannot_erase_a_concern(town: Town) -> None:
    ritas = await share(town.rita)

    by_telegram = await town.telegram(telegram_text(9001, f"/erase {ritas}"))
    by_slack = await town.slack(slack_action("U0WEST", "act:erase", ritas))
    confirmed = await town.telegram(callback(9001, "|yes"))

    assert [r.text for r in by_telegram] == [NOBODY_SEES.format(reference=ritas)]
    assert by_slack[0].text == "That button is no longer valid."
    assert "erased" not in " ".join(r.text for r in confirmed)
    assert await town.concern_row(ritas) is not None
    denied = await town.deny_log(town.west.id)
    assert [(r.action, r.concern_reference) for r in denied] == [("delete", ritas)]


async def test_the_own_networks_coordinator_is_allowed_what_the_other_is_refused(
    town: Town,
) -> None:
    ritas = await share(town.rita)

    details = await town.carl.send(ChoiceMade(Sender(town.carl.address), f"act:details:{ritas}"))

    assert "CANARY-FACT-7f3a" in details[0].text
    assert await town.deny_log(town.carl.member.id) == []


# --- strangers -----------------------------------------------------------------------------


async def test_an_unknown_sender_is_refused_and_every_attempt_is_logged(town: Town) -> None:
    ritas = await share(town.rita)
    stranger = Sender(Address("telegram", "666"), "Eve", "en")
    attempts: list[InboundEvent] = [
        CommandReceived(stranger, "status"),
        ChoiceMade(stranger, f"act:details:{ritas}"),
        TextReceived(stranger, "let me in"),
        CommandReceived(stranger, "erase", ritas),
    ]

    answers = [await town.app.bot.respond(event) for event in attempts]

    for replies in answers:
        assert len(replies) == 1
        assert replies[0].text.startswith("Hello. This bot is for professionals")
        assert ritas not in replies[0].text
    async with town.app.uow() as uow:
        assert await uow.members.by_address(stranger.address) is None
    logged = [
        (r.action, r.outcome, r.channel, r.concern_reference) for r in await town.deny_log(None)
    ]
    assert logged == [("unknown_sender", "denied", "telegram", None)] * len(attempts)
    assert (await town.concern_row(ritas)).status == "received"
