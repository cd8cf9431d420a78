"""Data rights: /mydata exports everything stored about a member, /forgetme erases the account
after confirmation, a coordinator erases a concern with every copy, the operator exports too."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from adapters.console.chat import ConsoleAdapter
from adapters.ratelimit import SendLimiter
from adapters.registry import REGISTRY
from adapters.slack.channel import SlackAdapter
from bot.app import cli
from bot.app.composition import App, bootstrap
from bot.channels.events import Address, ChoiceMade, Sender
from bot.channels.replies import Reply
from bot.conversation.core import UNKNOWN_USER
from bot.delivery.worker import Deliverer
from bot.domain.model import Role, Status
from bot.i18n import translator
from bot.storage.tables import (
    concerns,
    identities,
    members,
    posted_messages,
    questions,
    status_changes,
    usefulness,
)
from bot.testing import (
    SHARE_SCRIPT,
    TEST_KEY,
    Chat,
    FakeClock,
    RecordingOutlet,
    example_settings,
    fixed_cipher,
    join,
)
from tests.channel_settings import slack_of, with_channels
from tests.fakes import slack_api
from tests.fakes.slack_api import FakeSlack, Outage

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
FEED = "C0000000000"  # the demo network's alert channel in the example configuration
NAME = "CANARY-NAME-Rita-77"
FACTS = "CANARY-FACT-7f3a: a pupil praised an attack abroad in class."
QUESTION = "CANARY-QUESTION-2c9d: was it during a lesson?"
ANSWER = "CANARY-ANSWER-f04e: yes, in history class."


@dataclass
class Network:
    """A reporter and a coordinator on the console, the network's alert feed on (fake) Slack."""

    app: App
    clock: FakeClock
    slack: FakeSlack
    feed: Deliverer
    reporter: Chat
    coordinator: Chat

    @property
    def reporter_id(self) -> int:
        """The reporter's member id."""
        assert self.reporter.member.id is not None
        return self.reporter.member.id

    async def reference(self) -> str:
        """The reference of the reporter's newest concern."""
        async with self.app.uow() as uow:
            return (await uow.concerns.of_reporter(self.reporter_id))[0].reference

    async def press(self, chat: Chat, choice: str) -> list[Reply]:
        """Press an action button; deliver the feed too."""
        replies = await chat.send(ChoiceMade(Sender(chat.address), choice))
        await self.feed.deliver_due()
        return replies

    async def count(self, table: Any, *where: Any) -> int:
        """Rows in ``table`` matching ``where``."""
        async with self.app.engine.connect() as connection:
            query = select(func.count()).select_from(table).where(*where)
            return int((await connection.execute(query)).scalar_one())

    def feed_messages(self) -> list[dict[str, Any]]:
        """What is still posted in the alert channel."""
        return [m for (channel, _), m in self.slack.messages.items() if channel == FEED]


async def asked_and_answered(net: Network) -> str:
    """Share a concern, have it acknowledged, a question asked and answered; the reference."""
    await net.reporter.script(SHARE_SCRIPT)
    await net.feed.deliver_due()
    ref = await net.reference()
    await net.press(net.coordinator, f"act:ack:{ref}")
    await net.press(net.coordinator, f"act:ask:{ref}")
    await net.coordinator.say(QUESTION)
    await net.feed.deliver_due()
    await net.reporter.pick("Answer")
    await net.reporter.say(ANSWER)
    await net.feed.deliver_due()
    return ref


@pytest.fixture
async def net(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Network]:
    """The bot with Slack configured for its alert feed, talking to a fake Slack."""
    read_body = slack_api._params

    async def with_query(request: web.Request) -> dict[str, Any]:
        # slack_sdk sends chat.delete's arguments in the query string, as Slack allows.
        return {**request.query, **await read_body(request)}

    monkeypatch.setattr(slack_api, "_params", with_query)
    slack = FakeSlack()
    await slack.start()
    settings = example_settings(tmp_path / "bot.db")
    settings = with_channels(
        settings, slack=dataclasses.replace(slack_of(settings), api_base_url=slack.base_url)
    )
    clock = FakeClock()
    app = await bootstrap(
        settings,
        clock,
        fixed_cipher(),
        environ={"SLACK_BOT_TOKEN": slack.token},
        channels=REGISTRY,
    )
    try:
        adapter = SlackAdapter(
            slack_of(settings),
            slack.token,
            "signing-secret-x",
            "en",
            limiter=SendLimiter(1e6, 1e6, 1e6),
        )
        feed = Deliverer(app.uow, {"slack": adapter}, app.clock, settings.outbox)
        outlet = RecordingOutlet()
        reporter = await join(app, outlet, NAME)
        coordinator = await join(app, outlet, "carl", Role.COORDINATOR)
        yield Network(app, clock, slack, feed, reporter, coordinator)
    finally:
        await app.close()
        await slack.stop()


def stranger_text(app: App) -> str:
    """What the bot tells someone it does not know (in the default language)."""
    t = translator(app.settings.bot.default_language)
    return t(UNKNOWN_USER).format(contact=app.settings.bot.public_contact)


def exported(reply: Reply) -> dict[str, Any]:
    """The JSON document a file reply carries."""
    assert reply.attachment is not None
    assert reply.attachment.name.endswith(".json")
    data = json.loads(reply.attachment.data)
    assert isinstance(data, dict)
    return data


# --- /mydata -------------------------------------------------------------------------------


async def test_mydata_sends_a_file_with_the_member_their_concerns_questions_and_answers(
    net: Network,
) -> None:
    ref = await asked_and_answered(net)

    (reply,) = await net.reporter.say("/mydata")

    data = exported(reply)
    assert reply.text == "Everything stored about you is in this file. Keep it safe."
    assert reply.attachment is not None
    assert reply.attachment.name == (f"concernbot-{net.reporter.member.pseudonym}-20261130.json")
    assert data["member"]["name"] == NAME
    assert data["member"]["pseudonym"] == net.reporter.member.pseudonym
    assert data["member"]["role"] == "reporter"
    (concern,) = data["concerns_shared"]
    assert concern["reference"] == ref
    assert concern["facts"] == FACTS
    assert concern["interpretation"] == "He may be testing limits."
    assert concern["status"] == "acknowledged"
    assert [h["status"] for h in concern["history"]] == ["acknowledged"]
    assert data["questions_to_you"] == [
        {
            "concern": ref,
            "question": QUESTION,
            "asked_at": "2026-11-30T09:00:00+00:00",
            "your_answer": ANSWER,
        }
    ]
    assert {"action": "share", "concern": ref} in [
        {"action": e["action"], "concern": e["concern"]} for e in data["access_log_about_you"]
    ]


async def test_the_console_saves_an_exported_file_that_only_its_owner_can_read(
    net: Network, tmp_path: Path
) -> None:
    await asked_and_answered(net)
    (reply,) = await net.reporter.say("/mydata")
    shown = io.StringIO()
    console = ConsoleAdapter(NAME, stdout=shown, files=tmp_path / "exports")

    await console.send(reply)
    assert reply.attachment is not None
    renamed = dataclasses.replace(reply.attachment, name="../x.json")
    await console.send(dataclasses.replace(reply, attachment=renamed))

    saved = tmp_path / "exports" / reply.attachment.name
    assert saved.stat().st_mode & 0o777 == 0o600
    assert json.loads(saved.read_text(encoding="utf-8")) == exported(reply)
    assert f"[{saved}]" in shown.getvalue()
    assert (tmp_path / "exports" / "x.json").stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "x.json").exists()


# --- /forgetme -----------------------------------------------------------------------------


async def test_forgetme_asks_first_and_no_keeps_everything(net: Network) -> None:
    await asked_and_answered(net)

    asked = await net.reporter.say("/forgetme")
    kept = await net.reporter.pick("no")

    assert asked[-1].text.startswith("Erase your account?")
    assert [c.id for c in asked[-1].choices] == ["yes", "no"]
    assert kept[-1].text == "Nothing was erased."
    async with net.app.uow() as uow:
        member = await uow.members.by_address(net.reporter.address)
    assert member is not None
    assert member.display_name == NAME


async def test_forgetme_yes_erases_the_identity_and_keeps_open_concerns_under_a_pseudonym(
    net: Network,
) -> None:
    ref = await asked_and_answered(net)
    pseudonym = net.reporter.member.pseudonym

    await net.reporter.say("/forgetme")
    done = await net.reporter.pick("yes")

    assert done[-1].text.startswith("Done. Your account and contact details are erased.")
    async with net.app.uow() as uow:
        assert await uow.members.by_address(net.reporter.address) is None
        assert await uow.members.address_of(net.reporter_id) is None
        concern = await uow.concerns.by_reference(ref)
        member = await uow.members.get(net.reporter_id)
    assert await net.count(identities, identities.c.member_id == net.reporter_id) == 0
    async with net.app.engine.connect() as connection:
        query = select(members.c.display_name_enc).where(members.c.id == net.reporter_id)
        stored = (await connection.execute(query)).scalar_one()
    assert fixed_cipher().open(stored, "members.display_name") == pseudonym
    assert member is not None
    assert member.display_name == pseudonym
    assert member.digest == "off"
    assert concern is not None
    assert concern.status is Status.ACKNOWLEDGED
    assert concern.reporter_id == net.reporter_id
    assert (concern.contact_allowed, concern.identity_shown) == (False, False)
    details = await net.press(net.coordinator, f"act:details:{ref}")
    assert pseudonym in details[0].text
    assert NAME not in details[0].text
    refused = await net.press(net.coordinator, f"act:ask:{ref}")
    assert refused[0].text.startswith(f"The reporter of {ref} has left")  # not "chose not to"
    after = await net.reporter.say("/status")
    assert after[0].text == stranger_text(net.app)


# --- /erase by a coordinator ---------------------------------------------------------------


async def test_erase_asks_first_and_no_keeps_the_concern(net: Network) -> None:
    ref = await asked_and_answered(net)

    asked = await net.coordinator.say(f"/erase {ref}")
    kept = await net.coordinator.pick("no")

    assert asked[-1].text.startswith(f"Erase {ref} with its history, questions and answers")
    assert kept[-1].text == "Nothing was erased."
    assert await net.count(concerns, concerns.c.reference == ref) == 1
    assert len(net.feed_messages()) > 0


async def test_erase_deletes_the_concern_with_its_history_and_questions_and_its_slack_posts(
    net: Network,
) -> None:
    ref = await asked_and_answered(net)
    async with net.app.uow() as uow:
        concern = await uow.concerns.by_reference(ref)
        assert concern is not None
        assert concern.id is not None
        posted = await uow.posted.of_concern(ref)
    posts = {p.message_id for p in posted}
    assert len(posts) >= 3  # the alert and its thread lines
    assert posts <= {m["ts"] for m in net.feed_messages()}

    await net.coordinator.say(f"/erase {ref}")
    erased = await net.coordinator.pick("yes")
    await net.feed.deliver_due()

    assert erased[-1].text == f"{ref} and everything stored with it have been erased."
    assert await net.count(concerns, concerns.c.reference == ref) == 0
    assert await net.count(status_changes, status_changes.c.concern_id == concern.id) == 0
    assert await net.count(questions, questions.c.concern_id == concern.id) == 0
    assert await net.count(usefulness, usefulness.c.concern_id == concern.id) == 0
    assert await net.count(posted_messages, posted_messages.c.concern_reference == ref) == 0
    deleted = {p["ts"] for p in net.slack.called("chat.delete") if p["channel"] == FEED}
    assert deleted == posts
    assert not any(m["ts"] in posts for m in net.feed_messages())
    mine = await net.reporter.say("/status")
    assert ref not in mine[0].text


async def test_a_slack_rate_limit_delays_the_deletion_of_an_erased_concerns_posts(
    net: Network,
) -> None:
    ref = await asked_and_answered(net)
    async with net.app.uow() as uow:
        posts = {p.message_id for p in await uow.posted.of_concern(ref)}
    await net.coordinator.say(f"/erase {ref}")
    await net.coordinator.pick("yes")
    net.slack.outage = Outage(status=429, times=1, retry_after=30)

    await net.feed.deliver_due()
    still_there = {m["ts"] for m in net.feed_messages()} & posts
    net.clock.advance(seconds=31)
    await net.feed.deliver_due()

    assert still_there == posts
    assert not {m["ts"] for m in net.feed_messages()} & posts
    async with net.app.uow() as uow:
        assert await uow.outbox.pending_count("slack") == 0
        assert await uow.outbox.dead_count() == 0


# --- concernbot export ---------------------------------------------------------------------


@pytest.fixture
def operator_env(net: Network, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``concernbot`` pointed at the network's database; the root logger restored after."""
    monkeypatch.setenv("CONCERNBOT_DATABASE_URL", net.app.settings.database.url)
    monkeypatch.setenv("CONCERNBOT_ENCRYPTION_KEYS", f"test:{TEST_KEY}")
    monkeypatch.delenv("CONCERNBOT_LOG_FORMAT", raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_the_operators_export_writes_the_same_data_to_a_private_file(
    net: Network, operator_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await asked_and_answered(net)
    (reply,) = await net.reporter.say("/mydata")
    output = tmp_path / "export.json"

    code = await asyncio.to_thread(
        cli.main,
        [
            "--config",
            str(EXAMPLE),
            "export",
            "--member",
            str(net.reporter_id),
            "--output",
            str(output),
        ],
    )

    _, err = capsys.readouterr()
    assert code == 0
    assert f"Wrote the export of member {net.reporter_id} to {output}" in err
    assert output.stat().st_mode & 0o777 == 0o600
    by_operator = json.loads(output.read_text(encoding="utf-8"))
    by_member = exported(reply)
    for part in ("member", "concerns_shared", "questions_to_you"):
        assert by_operator[part] == by_member[part]
    assert NAME not in err


async def test_the_operators_export_of_an_unknown_member_exits_2(
    net: Network, operator_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "none.json"

    code = await asyncio.to_thread(
        cli.main,
        ["--config", str(EXAMPLE), "export", "--member", "999", "--output", str(output)],
    )

    assert code == 2
    assert capsys.readouterr().err == "concernbot: no member with id 999\n"
    assert not output.exists()


async def test_a_reporters_chat_address_is_no_longer_theirs_after_forgetme(net: Network) -> None:
    await asked_and_answered(net)
    await net.reporter.say("/forgetme")
    await net.reporter.pick("yes")

    again = await net.app.bot.respond(ChoiceMade(Sender(Address("console", NAME)), "act:answer:1"))

    assert again[0].text == stranger_text(net.app)
