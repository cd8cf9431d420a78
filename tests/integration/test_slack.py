"""Slack end to end: the real slack-bolt AsyncApp behind the bot's own ``/slack/events``.

The bot runs as ``Service`` runs it in production: HTTP server, Telegram adapter (webhook mode),
Slack adapter and outbox deliverer in one loop. Requests are signed as Slack signs them; the
Slack Web API and the Telegram Bot API are fakes on 127.0.0.1. Only the clock and the send
limiters' clocks are fake too. The outbox worker's loop is stopped right after start and each
test delivers with ``deliver_due()`` when it chooses, so every step is deterministic and backoff
needs no real waiting.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_bolt.async_app import AsyncAck

from adapters.ratelimit import SendLimiter
from adapters.service import Service
from adapters.slack.app_home import AppHome
from adapters.slack.channel import SlackAdapter
from adapters.telegram.translate import parse_callback
from bot.app.composition import App
from bot.channels.events import Address
from bot.delivery.worker import Deliverer
from bot.domain.model import AccessLogEntry, Concern, Member, Role, Status
from bot.share_script import share_path
from bot.testing import FakeClock, example_settings, fixed_cipher
from bot.usecases.invites import create_invite
from tests.channel_settings import slack_of, telegram_of, with_channels
from tests.fakes.slack_api import TEAM_ID, FakeSlack, Outage, SlackCall
from tests.fakes.telegram_api import FakeTelegram

SIGNING_SECRET = "slack-signing-secret-for-tests"
TELEGRAM_SECRET = "telegram-webhook-secret-42"
ALERTS = "C0ALERTS"
WEST_ALERTS = "C0WEST"
ORG = "jongerenwerk-noord"
WEST_ORG = "school-west"
CARLA = "U0CARLA"  # coordinator of the demo network
WIM = "U0WIM"  # coordinator of the west network
NOBODY = "U0NOBODY"  # not enrolled
REPORTER = 4201
TELEGRAM_COORDINATOR = 7701
CANARY = "CANARY-9d2e"
FACTS = f"{CANARY}: a pupil praised an attack abroad <!channel> <@U0CARLA> & cheered."
INTERPRETATION = f"{CANARY}-view: he may be testing limits <!here>."
HOSTILE_NAME = "<!channel> <@U0CARLA>"
ANSWER = f"{CANARY}-answer: twice this month <!channel>, see <https://evil.example|here>."
QUESTION = "Did this happen once, or more often?"
NOTE = "We talked with the care coordinator; thank you for sharing."
REASON = "Handled by the school's care team; no further signals."
PROMPT_SECONDS = 3.0
WITHIN = 10.0
STALE_SECONDS = 6 * 60
SECOND_NETWORK = """

[[networks]]
id = "west"
name = "Netwerk West"

[[networks.organisations]]
id = "school-west"
name = "School West"
procedure = "Bespreek een zorg eerst met de zorgcoördinator."
agreements = "Respect voor elkaar."
"""
SHARE = share_path(facts=FACTS, interpretation=INTERPRETATION).lines()
FEED_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


class Ticks:
    """A send limiter's monotonic clock: it moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        """The current fake time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Advance instead of waiting."""
        self.now += seconds


def fake_limiter() -> SendLimiter:
    """A send limiter that never really waits."""
    ticks = Ticks()
    return SendLimiter(30.0, 1.0, 3.0, monotonic=ticks.monotonic, sleep=ticks.sleep)


class Listeners:
    """Knows when the Slack adapter's listeners, which run on after their ack, have finished."""

    def __init__(self) -> None:
        self.started = 0
        self.finished = 0
        self._changed = asyncio.Condition()

    def wrap(
        self, original: Callable[[Any, AsyncAck, dict[str, Any]], Awaitable[None]]
    ) -> Callable[[Any, AsyncAck, dict[str, Any]], Awaitable[None]]:
        """The listener, counted (bolt passes ``ack`` and ``body`` by these names)."""
        probe = self

        async def listener(self: Any, ack: AsyncAck, body: dict[str, Any]) -> None:
            probe.started += 1
            try:
                await original(self, ack, body)
            finally:
                async with probe._changed:
                    probe.finished += 1
                    probe._changed.notify_all()

        return listener

    async def settled(self) -> None:
        """Wait until every listener that started has finished."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: self.finished >= self.started)

        await asyncio.wait_for(until(), WITHIN)


@dataclass(frozen=True)
class Answer:
    """Our HTTP answer to a request from Slack, and how long it took."""

    status: int
    text: str
    seconds: float

    def json(self) -> dict[str, Any]:
        """The answer's JSON body."""
        data: dict[str, Any] = json.loads(self.text)
        return data


def free_port() -> int:
    """A loopback port that is free right now (the webhook URL must be known before start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 request signature."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def text_of(call: SlackCall | dict[str, Any]) -> str:
    """Everything a recorded call carried, as one string."""
    params = call.params if isinstance(call, SlackCall) else call
    return json.dumps(params, ensure_ascii=False)


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    """The button labelled ``label`` in a message's (or a call's) blocks."""
    for block in message.get("blocks") or []:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["text"]["text"] == label:
                return dict(element)
    raise AssertionError(f"no button {label!r} in {text_of(message)[:300]}")


def labels(message: dict[str, Any]) -> list[str]:
    """The labels of a message's buttons."""
    return [
        e["text"]["text"]
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def text_objects(params: dict[str, Any]) -> list[tuple[str, str]]:
    """Every text a call carries, with how Slack treats it: the top-level ``text`` of a message
    and ``mrkdwn`` objects are parsed for mentions and links; ``plain_text`` never is."""
    found: list[tuple[str, str]] = []
    if isinstance(params.get("text"), str):
        found.append(("text", params["text"]))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                found.append((str(node["type"]), str(node["text"])))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(params.get("blocks"))
    walk(params.get("view"))
    return found


@dataclass
class World:
    """The running bot, both fake platforms, and helpers to act as their users."""

    slack: FakeSlack
    telegram: FakeTelegram
    clock: FakeClock
    service: Service
    http: aiohttp.ClientSession
    listeners: Listeners
    stamps: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def app(self) -> App:
        """The wired bot of the running service."""
        assert self.service.app is not None
        return self.service.app

    @property
    def deliverer(self) -> Deliverer:
        """The service's outbox deliverer."""
        assert self.service.deliverer is not None
        return self.service.deliverer

    @property
    def url(self) -> str:
        """Where Slack sends interactivity and slash commands."""
        assert self.service.http is not None
        return f"http://127.0.0.1:{self.service.http.port}/slack/events"

    async def deliver(self) -> int:
        """Deliver everything the outbox holds that is due now."""
        return await self.deliverer.deliver_due()

    # --- Slack, as Slack sends it -----------------------------------------------------------

    async def post(
        self,
        body: str,
        secret: str | None = SIGNING_SECRET,
        age: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """POST a form body to /slack/events, signed with ``secret`` (None: unsigned), wait
        for the listeners to finish, then deliver the outbox."""
        sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        if secret is not None:
            timestamp = str(int(time.time() - age))
            sent["X-Slack-Request-Timestamp"] = timestamp
            sent["X-Slack-Signature"] = signature(secret, timestamp, body)
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with self.http.post(self.url, data=body.encode(), headers=sent) as response:
            answer = Answer(response.status, await response.text(), loop.time() - started)
        assert answer.seconds < PROMPT_SECONDS, f"answered after {answer.seconds:.2f}s"
        await self.listeners.settled()
        await self.deliver()
        return answer

    async def command(self, user: str, text: str, channel: str = ALERTS, **post: Any) -> Answer:
        """``/concern <text>`` typed by ``user`` in ``channel``."""
        body = {
            "token": "unused-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "alerts",
            "user_id": user,
            "user_name": user.lower()[2:],
            "command": "/concern",
            "text": text,
            "api_app_id": "A0APP",
            "is_enterprise_install": "false",
            "response_url": self.slack.response_url(channel, user),
            "trigger_id": self.slack.trigger_id(),
        }
        return await self.post(urlencode(body), **post)

    def block_actions(
        self, user: str, element: dict[str, Any], channel: str = ALERTS
    ) -> dict[str, Any]:
        """The body Slack sends when ``user`` presses the button ``element``."""
        stamp = next(self.stamps)
        return {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower()[2:], "name": user.lower()[2:]}
            | {"team_id": TEAM_ID},
            "api_app_id": "A0APP",
            "token": "unused-verification-token",
            "container": {"type": "message", "channel_id": channel, "is_ephemeral": False},
            "trigger_id": self.slack.trigger_id(),
            "team": {"id": TEAM_ID, "domain": "test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "alerts"},
            "state": {"values": {}},
            "response_url": self.slack.response_url(channel, user),
            "actions": [
                {
                    "action_id": element["action_id"],
                    "block_id": "b0",
                    "text": element["text"],
                    "value": element["value"],
                    "type": "button",
                    "action_ts": f"1764330000.{stamp:06d}",
                }
            ],
        }

    async def press(
        self, user: str, message: dict[str, Any], label: str, channel: str = ALERTS
    ) -> Answer:
        """``user`` presses the button labelled ``label`` on ``message``."""
        body = self.block_actions(user, button(message, label), channel)
        return await self.post(urlencode({"payload": json.dumps(body)}))

    def view_submission(
        self, user: str, view: dict[str, Any], view_id: str, values: dict[str, str | None]
    ) -> dict[str, Any]:
        """The body Slack sends when ``user`` submits the modal ``view`` with ``values``."""
        state: dict[str, Any] = {}
        for block in view["blocks"]:
            if block["type"] != "input":
                continue
            block_id, element = block["block_id"], block["element"]
            value = values.get(block_id)
            assert value or block["optional"], f"Slack does not submit an empty {block_id}"
            if element["type"] == "checkboxes":
                picked = [o for o in element["options"] if o["value"] in (value or "").split(",")]
                entry: dict[str, Any] = {"type": "checkboxes", "selected_options": picked}
            elif element["type"] == "static_select":
                options = [o for o in element["options"] if o["value"] == value]
                assert value is None or options, f"{value!r} is not an option of {block_id}"
                entry = {
                    "type": "static_select",
                    "selected_option": options[0] if options else None,
                }
            else:
                entry = {"type": "plain_text_input", "value": value}
            state[block_id] = {element["action_id"]: entry}
        return {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "username": user.lower()[2:], "name": user.lower()[2:]}
            | {"team_id": TEAM_ID},
            "api_app_id": "A0APP",
            "token": "unused-verification-token",
            "trigger_id": self.slack.trigger_id(),
            "view": view
            | {
                "id": view_id,
                "team_id": TEAM_ID,
                "state": {"values": state},
                "hash": "1764330000.hash",
                "root_view_id": view_id,
                "previous_view_id": None,
                "app_id": "A0APP",
                "bot_id": "B0BOT",
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    async def submit(self, user: str, index: int, values: dict[str, str | None]) -> Answer:
        """``user`` submits the modal opened ``index``-th (0-based) with ``values``."""
        body = self.view_submission(user, self.slack.views[index], f"V{index + 1}", values)
        return await self.post(urlencode({"payload": json.dumps(body)}))

    # --- what reached Slack -----------------------------------------------------------------

    def alerts(self, channel: str = ALERTS) -> list[dict[str, Any]]:
        """Top-level messages posted to an alerts channel (with their ``ts``), in order."""
        return [p for p in self.slack.posted(channel) if not p.get("thread_ts")]

    def thread(self, ts: str, channel: str = ALERTS) -> list[dict[str, Any]]:
        """Lines posted under the message ``ts`` (with their own ``ts``), in order."""
        return [p for p in self.slack.posted(channel) if p.get("thread_ts") == ts]

    def current(self, ts: str, channel: str = ALERTS) -> dict[str, Any]:
        """The message ``ts`` as it is now shown in Slack."""
        return self.slack.messages[(channel, ts)]

    def ephemerals(self, user: str) -> list[dict[str, Any]]:
        """Ephemeral messages shown to ``user`` (through a response URL or postEphemeral)."""
        return self.slack.ephemerals(user)

    # --- Telegram, for the reporter ---------------------------------------------------------

    async def tell(self, user: int, text: str) -> None:
        """A Telegram user sends ``text``; the outbox is delivered after."""
        assert await self.telegram.post_webhook(self.telegram.message(user, text)) == 200
        await self.deliver()

    async def tap(self, user: int, key: str) -> None:
        """A Telegram user taps the button (choice id or label) on the newest message with
        buttons; the outbox is delivered after."""
        for message in reversed(self.telegram.sent):
            if message["chat"]["id"] == user and "reply_markup" in message:
                keyboard = message["reply_markup"]["inline_keyboard"]
                break
        else:
            raise AssertionError(f"no message with buttons to {user}")
        for row in keyboard:
            for item in row:
                if key in (item["text"], parse_callback(item["callback_data"])[1]):
                    update = self.telegram.callback(user, item["callback_data"])
                    assert await self.telegram.post_webhook(update) == 200
                    await self.deliver()
                    return
        raise AssertionError(f"no button {key!r} for {user}")

    def texts(self, user: int) -> list[str]:
        """Everything the bot sent a Telegram user."""
        return self.telegram.texts_to(user)

    async def enrol_reporter(self, user: int = REPORTER) -> None:
        """Invite a Telegram reporter and let them follow the link."""
        await self.tell(user, f"/start {await self.invite(Role.REPORTER)}")

    async def share(self, user: int = REPORTER) -> str:
        """The reporter shares a concern on Telegram; returns its reference."""
        for line in SHARE:
            await (self.tap(user, line[1:]) if line.startswith("#") else self.tell(user, line))
        for text in reversed(self.texts(user)):
            found = re.search(r"Reference: (\S+)", text)
            if found:
                return found.group(1)
        raise AssertionError("the reporter got no reference")

    # --- the bot's records ------------------------------------------------------------------

    async def invite(self, role: Role, organisation: str = ORG) -> str:
        """A fresh invitation code, as an operator or coordinator would hand it out."""
        async with self.app.uow() as uow:
            code = await create_invite(
                uow, self.app.settings, organisation, role, timedelta(days=7), self.clock.now()
            )
            await uow.commit()
        return code

    async def join(self, user: str, organisation: str = ORG) -> Answer:
        """A Slack user redeems a coordinator invitation with ``/concern join CODE``."""
        return await self.command(user, f"join {await self.invite(Role.COORDINATOR, organisation)}")

    async def member(self, user: str) -> Member | None:
        """The member a Slack user is enrolled as."""
        async with self.app.uow() as uow:
            return await uow.members.by_address(Address("slack", f"{TEAM_ID}:{user}"))

    async def concern(self, reference: str) -> Concern:
        """A concern as stored."""
        async with self.app.uow() as uow:
            found = await uow.concerns.by_reference(reference)
        assert found is not None
        return found

    async def log(self, reference: str | None = None) -> list[AccessLogEntry]:
        """Access-log rows (about one concern)."""
        async with self.app.uow() as uow:
            return await uow.access_log.entries(concern_reference=reference)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The example configuration with a second network."""
    path = tmp_path / "config.toml"
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    path.write_text(example.read_text(encoding="utf-8") + SECOND_NETWORK, encoding="utf-8")
    return path


@pytest.fixture
def before_start() -> Callable[[FakeSlack], None]:
    """What is done to the Slack workspace before the bot starts (a module may override it)."""
    return lambda slack: None


@pytest.fixture
async def world(
    tmp_path: Path,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    before_start: Callable[[FakeSlack], None],
) -> AsyncIterator[World]:
    """A running bot with Slack and Telegram, a coordinator's network and a second network."""
    listeners = Listeners()
    for name in ("_on_action", "_on_submission", "_on_command"):
        monkeypatch.setattr(SlackAdapter, name, listeners.wrap(getattr(SlackAdapter, name)))
    monkeypatch.setattr(AppHome, "_on_opened", listeners.wrap(AppHome._on_opened))
    clock = FakeClock()
    slack, telegram = FakeSlack(now=lambda: clock.now().timestamp()), FakeTelegram()
    await slack.start()
    await telegram.start()
    before_start(slack)
    settings = example_settings(tmp_path / "bot.db", config)
    port = free_port()
    settings = replace(
        with_channels(
            settings,
            telegram=replace(
                telegram_of(settings),
                api_base_url=f"http://127.0.0.1:{telegram.port}",
                mode="webhook",
                webhook_url=telegram.front(port),
            ),
            slack=replace(
                slack_of(settings),
                api_base_url=slack.base_url,
                alert_channels={"demo": ALERTS, "west": WEST_ALERTS},
            ),
        ),
        bot=replace(settings.bot, default_language="en"),
        scheduler=replace(settings.scheduler, enabled=False),
        http=replace(settings.http, host="127.0.0.1", port=port),
    )
    environ = {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    limiters = {"telegram": {"limiter": fake_limiter()}, "slack": {"limiter": fake_limiter()}}
    service = Service(settings, environ, clock, fixed_cipher(), options=limiters)
    await service.start()
    assert service.deliverer is not None
    service.deliverer.stop()  # the test delivers, with deliver_due(), when it chooses
    http = aiohttp.ClientSession()
    try:
        yield World(slack, telegram, clock, service, http, listeners)
    finally:
        slack.hold = None
        await listeners.settled()
        await http.close()
        await service.stop()
        await telegram.stop()
        await slack.stop()


@pytest.fixture
async def shared(world: World) -> tuple[World, str]:
    """Carla has joined as coordinator on Slack; a reporter on Telegram shared a concern."""
    answer = await world.join(CARLA)
    assert answer.status == 200
    await world.enrol_reporter()
    return world, await world.share()


# --- the whole loop -----------------------------------------------------------------------


async def test_a_coordinator_takes_a_concern_from_alert_to_closed_without_leaving_slack(
    world: World,
) -> None:
    # A coordinator joins with an invitation.
    assert (await world.join(CARLA)).status == 200
    carla = await world.member(CARLA)
    assert carla is not None
    assert carla.role is Role.COORDINATOR
    assert carla.network_id == "demo"
    assert world.ephemerals(CARLA)[0]["text"].startswith("Welcome. You are now enrolled")

    # A reporter on Telegram shares a concern; its alert lands in the network's channel.
    await world.enrol_reporter()
    reference = await world.share()
    [alert] = world.alerts()
    ts = alert["ts"]
    for shown in (
        reference,
        "Share the concern",
        "One young person",
        "16 or 17",
        "School",
        "Urgency: This week",
        "Organisation: Jongerenwerk Noord",
        "Acknowledge by: ",
        "Status: Received",
    ):
        assert shown in alert["blocks"][0]["text"]["text"]
    assert labels(alert) == [
        "Acknowledge",
        "Assign to me",
        "View details",
        "Ask reporter",
        "Update status",
    ]
    assert {b["value"] for b in alert["blocks"][-1]["elements"]} == {reference}
    assert world.alerts(WEST_ALERTS) == []

    # Acknowledge: the alert is updated in place, a line goes into its thread, and the
    # reporter hears of it in plain words on Telegram.
    await world.press(CARLA, alert, "Acknowledge")
    [update] = world.slack.called("chat.update")
    assert (update["channel"], update["ts"]) == (ALERTS, ts)
    assert "Status: Acknowledged" in update["text"]
    assert "Assigned to: carla" in update["text"]
    assert "Acknowledge" not in labels(update)
    assert [line["text"] for line in world.thread(ts)] == ["Acknowledged by carla."]
    assert world.texts(REPORTER)[-1].startswith(f"Update on your concern {reference}: Acknowledged")
    assert "is now responsible for it" in world.texts(REPORTER)[-1]
    # Acknowledged from the alert, the account unread: the reporter is not told it was read.
    assert "has taken on your concern" in world.texts(REPORTER)[-1]
    assert "has read" not in world.texts(REPORTER)[-1]
    assert "the reporter has been told" in world.ephemerals(CARLA)[-1]["text"]
    assert (await world.concern(reference)).status is Status.ACKNOWLEDGED

    # View details: a modal with the whole account, and an access-log row for each opening.
    await world.press(CARLA, alert, "View details")
    await world.press(CARLA, alert, "View details")
    assert len(world.slack.views) == 2
    details = world.slack.views[0]
    shown = "".join(b["text"]["text"] for b in details["blocks"])
    assert FACTS in shown
    assert INTERPRETATION in shown
    assert details["title"]["text"] == reference
    assert all(b["text"]["type"] == "plain_text" for b in details["blocks"])
    views = [e for e in await world.log(reference) if e.action == "view_details"]
    assert [(e.outcome, e.actor_member_id, e.channel) for e in views] == [
        ("ok", carla.id, "slack"),
        ("ok", carla.id, "slack"),
    ]

    # Ask reporter: a modal; its submission reaches the reporter on Telegram.
    await world.press(CARLA, alert, "Ask reporter")
    ask = world.slack.views[2]
    assert ask["callback_id"] == "ask"
    assert ask["private_metadata"].startswith(f"{reference}|{ALERTS}|http://127.0.0.1:")
    answer = await world.submit(CARLA, 2, {"question": QUESTION})
    assert answer.status == 200
    assert answer.text == ""
    question = world.texts(REPORTER)[-1]
    assert question.startswith(f"A coordinator has a question about your concern {reference}")
    assert QUESTION in question
    assert world.thread(ts)[-1]["text"] == "Question sent to the reporter by carla."

    # The reporter answers with the Answer button and a line of text.
    await world.tap(REPORTER, "Answer")
    await world.tell(REPORTER, ANSWER)
    assert world.texts(REPORTER)[-1] == "Your answer was passed on. Thank you."
    received = world.thread(ts)[-1]
    assert received["text"] == "Reply received from the reporter."
    assert labels(received) == ["View reply"]
    assert CANARY not in text_of(received)

    # View reply: the answer in a modal.
    await world.press(CARLA, received, "View reply")
    reply = world.slack.views[3]
    shown = "".join(b["text"]["text"] for b in reply["blocks"])
    assert QUESTION in shown
    assert ANSWER in shown
    assert [e.outcome for e in await world.log(reference) if e.action == "view_reply"] == ["ok"]

    # Update status: closing without an outcome is refused on the form itself.
    await world.press(CARLA, alert, "Update status")
    status = world.slack.views[4]
    assert status["callback_id"] == "status"
    refused = await world.submit(CARLA, 4, {"status": "closed", "outcome": None, "note": NOTE})
    assert refused.status == 200
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"outcome": "Closing a concern needs an outcome."},
    }
    assert (await world.concern(reference)).status is Status.ACKNOWLEDGED

    # With an outcome and a note it closes; the reporter gets the note; the alert says Closed.
    closed = await world.submit(
        CARLA, 4, {"status": "closed", "outcome": "advice_given", "note": NOTE, "reason": REASON}
    )
    assert (closed.status, closed.text) == (200, "")
    stored = await world.concern(reference)
    assert stored.status is Status.CLOSED
    last = world.texts(REPORTER)[-1]
    assert last.startswith(f"Update on your concern {reference}: Closed.")
    assert f"Note from the coordinator: {NOTE}" in last
    assert "Outcome: Advice given" in last
    final = world.current(ts)
    assert "Status: Closed" in final["text"]
    assert labels(final) == ["View details"]
    assert world.thread(ts)[-1]["text"] == (
        "Closed by carla. Outcome: Advice given. Feedback was sent to the reporter."
    )
    assert world.ephemerals(CARLA)[-1]["text"] == (
        f"{reference} is now: Closed. The reporter has been told."
    )
    # The reason for colleagues is in the case file only: not for the reporter, not in Slack.
    assert REASON not in last
    assert all(REASON not in text_of(call) for call in world.slack.requests)
    await world.press(CARLA, final, "View details")
    assert f"Reason (for colleagues): {REASON}" in str(world.slack.views[-1])

    # Nothing the reporter wrote ever went into a message: only into modals.
    for call in world.slack.requests:
        if call.method in FEED_METHODS:
            assert CANARY not in text_of(call), call.method
    assert all(p["channel"] == ALERTS for p in world.slack.called("chat.postMessage"))


# --- who may call, and who may act --------------------------------------------------------


async def test_unsigned_badly_signed_and_stale_requests_are_refused_and_change_nothing(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    [alert] = world.alerts()
    code = await world.invite(Role.COORDINATOR)
    join = urlencode(
        {"command": "/concern", "text": f"join {code}", "user_id": NOBODY, "team_id": TEAM_ID}
    )
    ack = urlencode(
        {"payload": json.dumps(world.block_actions(CARLA, button(alert, "Acknowledge")))}
    )
    calls = len(world.slack.requests)
    listened = world.listeners.started

    for body in (join, ack):
        unsigned = await world.post(body, secret=None)
        forged = await world.post(body, secret="not-the-signing-secret")
        stale = await world.post(body, age=STALE_SECONDS)
        without_timestamp = await world.post(
            body, secret=None, headers={"X-Slack-Signature": "v0=" + "0" * 64}
        )
        for answer in (unsigned, forged, stale, without_timestamp):
            assert answer.status == 401

    assert len(world.slack.requests) == calls
    assert world.listeners.started == listened
    assert await world.member(NOBODY) is None
    assert (await world.concern(reference)).status is Status.RECEIVED
    # The invitation is still good: a properly signed request redeems it.
    assert (await world.post(join)).status == 200
    assert await world.member(NOBODY) is not None


async def test_a_slack_user_who_is_not_enrolled_is_refused_ephemerally_and_logged(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    [alert] = world.alerts()
    messages = len(world.slack.called("chat.postMessage"))

    for label in ("Acknowledge", "View details", "Ask reporter", "Update status"):
        await world.press(NOBODY, alert, label)
    await world.command(NOBODY, "list")

    refusals = world.ephemerals(NOBODY)
    assert len(refusals) == 5
    assert all("Only invited professionals can use it" in r["text"] for r in refusals)
    assert all(r["channel"] == ALERTS for r in refusals)
    assert world.slack.views == []
    assert world.slack.called("chat.update") == []
    assert len(world.slack.called("chat.postMessage")) == messages
    assert (await world.concern(reference)).status is Status.RECEIVED
    denied = [e for e in await world.log() if e.action == "unknown_sender"]
    assert len(denied) == 5
    assert {(e.outcome, e.channel, e.actor_member_id) for e in denied} == {
        ("denied", "slack", None)
    }


async def test_a_coordinator_of_another_network_is_refused_ephemerally_and_logged(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    [alert] = world.alerts()
    assert (await world.join(WIM, WEST_ORG)).status == 200
    wim = await world.member(WIM)
    assert wim is not None
    assert (wim.network_id, wim.role) == ("west", Role.COORDINATOR)
    messages = len(world.slack.called("chat.postMessage"))
    before = len(world.ephemerals(WIM))

    for label in ("Acknowledge", "Assign to me", "View details", "Ask reporter"):
        await world.press(WIM, alert, label)
    # Even a hand-made status form for a concern of another network does nothing.
    form = {
        "type": "modal",
        "callback_id": "status",
        "private_metadata": f"{reference}|{ALERTS}",
        "title": {"type": "plain_text", "text": "Update status"},
        "blocks": [
            {
                "type": "input",
                "block_id": "status",
                "optional": False,
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [{"text": {"type": "plain_text", "text": "C"}, "value": "closed"}],
                },
            },
            {
                "type": "input",
                "block_id": "outcome",
                "optional": True,
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [{"text": {"type": "plain_text", "text": "R"}, "value": "referred"}],
                },
            },
        ],
    }
    body = world.view_submission(WIM, form, "V99", {"status": "closed", "outcome": "referred"})
    forged = await world.post(urlencode({"payload": json.dumps(body)}))
    assert (forged.status, forged.text) == (200, "")

    refusals = world.ephemerals(WIM)[before:]
    assert [r["text"] for r in refusals] == [
        f"There is no concern {reference} that you can see."
    ] * 5
    assert world.slack.views == []
    assert world.slack.called("chat.update") == []
    assert len(world.slack.called("chat.postMessage")) == messages
    assert (await world.concern(reference)).status is Status.RECEIVED
    attempts = [e for e in await world.log(reference) if e.actor_member_id == wim.id]
    assert {e.outcome for e in attempts} == {"denied"}
    assert {e.action for e in attempts} >= {"acknowledge", "assign", "view_details", "show"}
    assert "status_change" in {e.action for e in attempts}


# --- slash commands -----------------------------------------------------------------------


async def test_slash_commands_answer_only_the_coordinator_and_a_note_is_stored(
    shared: tuple[World, str],
) -> None:
    world, first = shared
    second = await world.share()
    messages = len(world.slack.called("chat.postMessage"))
    before = len(world.ephemerals(CARLA))
    note = "More stickers of one group near the station this month"

    for text in ("list", "invite reporter", f"note {note}", "stats", "help", "LIST"):
        answer = await world.command(CARLA, text)
        assert (answer.status, answer.text) == (200, "")

    said = world.ephemerals(CARLA)[before:]
    assert len(said) == 6
    assert all(p["channel"] == ALERTS for p in said)
    listing, invitation, noted, stats, help_text, again = said
    assert listing["text"].startswith("Open concerns (overdue first):")
    assert first in listing["text"]
    assert second in listing["text"]
    assert labels(listing) == [first, second]
    assert again["text"] == listing["text"]
    assert invitation["text"].startswith("Invitation for a reporter of Jongerenwerk Noord")
    assert noted["text"] == "Noted for the next digest."
    assert "Open: 2" in stats["text"]
    assert help_text["text"].startswith("What I can do:")
    assert len(world.slack.called("chat.postMessage")) == messages
    async with world.app.uow() as uow:
        stored = await uow.notes.between(
            "demo", world.clock.now() - timedelta(days=1), world.clock.now() + timedelta(days=1)
        )
    assert [n.text for n in stored] == [note]

    # A button of the list shows that concern's card, again only to her.
    await world.press(CARLA, listing, second)
    card = world.ephemerals(CARLA)[-1]
    assert card["text"].startswith(second)
    assert "Acknowledge" in labels(card)
    assert len(world.slack.called("chat.postMessage")) == messages


# --- once only, and fast ------------------------------------------------------------------


async def test_a_form_submitted_twice_asks_the_reporter_once(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    [alert] = world.alerts()
    await world.press(CARLA, alert, "Ask reporter")
    asked = len(world.texts(REPORTER))

    first = await world.submit(CARLA, 0, {"question": QUESTION})
    double_click = await world.submit(CARLA, 0, {"question": QUESTION})

    assert (first.status, first.text) == (200, "")
    assert (double_click.status, double_click.text) == (200, "")
    assert len(world.texts(REPORTER)) == asked + 1
    relayed = [e for e in await world.log(reference) if e.action == "relay_question"]
    assert [e.outcome for e in relayed] == ["ok"]


async def test_a_refused_form_submitted_again_unchanged_is_refused_again(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    [alert] = world.alerts()
    await world.press(CARLA, alert, "Update status")
    unfinished = {"status": "closed", "outcome": None, "note": None}
    errors = {
        "response_action": "errors",
        "errors": {"outcome": "Closing a concern needs an outcome."},
    }

    first = await world.submit(CARLA, 0, unfinished)
    again = await world.submit(CARLA, 0, unfinished)

    assert first.json() == errors
    assert again.json() == errors  # not a silently closed modal that saved nothing
    assert (await world.concern(reference)).status is Status.RECEIVED
    fixed = await world.submit(CARLA, 0, unfinished | {"outcome": "no_further_action"})
    assert (fixed.status, fixed.text) == (200, "")
    assert (await world.concern(reference)).status is Status.CLOSED


async def test_a_button_press_that_slack_delivers_twice_has_effect_once(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    [alert] = world.alerts()
    body = urlencode(
        {"payload": json.dumps(world.block_actions(CARLA, button(alert, "Acknowledge")))}
    )
    told = len(world.texts(REPORTER))
    ephemeral = len(world.ephemerals(CARLA))

    first = await world.post(body)
    retry = await world.post(
        body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )

    assert first.status == retry.status == 200
    assert world.listeners.started == world.listeners.finished
    assert len(world.slack.called("chat.update")) == 1
    assert len(world.thread(alert["ts"])) == 1
    assert len(world.texts(REPORTER)) == told + 1
    assert len(world.ephemerals(CARLA)) == ephemeral + 1
    changes = [e for e in await world.log(reference) if e.action == "status_change"]
    assert [e.outcome for e in changes] == ["ok:acknowledged"]


async def test_an_interaction_is_answered_at_once_while_slow_work_continues_after(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    [alert] = world.alerts()
    body = urlencode(
        {"payload": json.dumps(world.block_actions(CARLA, button(alert, "View details")))}
    )
    gate = world.slack.held()  # Slack now answers nothing until the gate opens
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(SIGNING_SECRET, timestamp, body),
    }
    loop = asyncio.get_running_loop()
    started = loop.time()

    async with world.http.post(world.url, data=body.encode(), headers=headers) as response:
        status = response.status
    answered = loop.time() - started
    await world.slack.wait_for(lambda: world.slack.requests[-1].method == "views.open")
    still_working = world.listeners.finished < world.listeners.started
    gate.set()
    await world.listeners.settled()

    assert status == 200
    assert answered < PROMPT_SECONDS
    assert still_working
    assert len(world.slack.views) == 1
    assert [e.action for e in await world.log(reference)].count("view_details") == 1


# --- escaping -----------------------------------------------------------------------------


async def test_mentions_typed_on_telegram_never_reach_slack_where_they_could_ping(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    [alert] = world.alerts()
    await world.press(CARLA, alert, "View details")
    await world.press(CARLA, alert, "Ask reporter")
    await world.submit(CARLA, 1, {"question": QUESTION})
    await world.tap(REPORTER, "Answer")
    await world.tell(REPORTER, ANSWER)
    await world.press(CARLA, world.thread(alert["ts"])[-1], "View reply")
    # A coordinator on Telegram whose chosen name is a mention acts on the concern too.
    named = world.telegram.message(TELEGRAM_COORDINATOR, "")
    named["message"]["from"]["first_name"] = HOSTILE_NAME
    named["message"]["text"] = f"/start {await world.invite(Role.COORDINATOR)}"
    named["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
    assert await world.telegram.post_webhook(named) == 200
    await world.tell(TELEGRAM_COORDINATOR, f"/show {reference}")
    await world.tap(TELEGRAM_COORDINATOR, "Assign to me")

    [update] = world.slack.called("chat.update")
    assert HOSTILE_NAME in update["blocks"][0]["text"]["text"]
    assert "&lt;!channel&gt;" in update["text"]
    hostile = ("<!channel>", "<!here>", "<@U0CARLA>", "<https://evil.example|here>")
    for call in world.slack.requests:
        for kind, text in text_objects(call.params):
            if kind != "plain_text":
                assert "<" not in text, (call.method, text)
        if any(h in text_of(call) for h in hostile) and call.method != "views.open":
            assert HOSTILE_NAME in text_of(call), call.method  # the name, never the account
        assert call.method == "views.open" or CANARY not in text_of(call)


# --- outage -------------------------------------------------------------------------------


async def test_a_slack_outage_delays_alerts_and_updates_but_loses_none_and_keeps_each_in_order(
    shared: tuple[World, str],
) -> None:
    world, first = shared
    [alert] = world.alerts()
    assert first in alert["text"]
    first_ts = alert["ts"]
    await world.tell(TELEGRAM_COORDINATOR, f"/start {await world.invite(Role.COORDINATOR)}")
    sent_before = len(world.slack.calls)

    # Slack's Web API goes down.
    world.slack.outage = Outage(503, times=10**6)
    await world.press(CARLA, alert, "Acknowledge")  # her ephemeral answer is lost; fine
    second = await world.share()  # its alert cannot be posted
    await world.tell(TELEGRAM_COORDINATOR, "/list")
    await world.tap(TELEGRAM_COORDINATOR, second)
    await world.tap(TELEGRAM_COORDINATOR, "Acknowledge")  # its alert is not even posted yet

    # The reporter still hears everything on Telegram; Slack has received nothing.
    assert sum(t.startswith("Update on your concern") for t in world.texts(REPORTER)) == 2
    for _ in range(3):
        world.clock.advance(minutes=10)
        await world.deliver()
    assert len(world.slack.calls) == sent_before
    async with world.app.uow() as uow:
        assert await uow.outbox.pending_count("slack") == 5
        assert await uow.outbox.dead_count() == 0

    tried = [c.method for c in world.slack.requests].count("chat.update")
    assert tried == 4  # the first update, tried again after each backoff

    # Then it rate-limits for a while (nothing is tried before Retry-After), then recovers.
    # The two concerns' cards wait side by side: the first one's update, the second one's
    # alert (cards of different concerns may pass each other; each concern's stay in order).
    world.slack.outage = Outage(429, times=2, retry_after=30)
    world.clock.advance(minutes=10)
    await world.deliver()
    methods = [c.method for c in world.slack.requests]
    assert methods.count("chat.update") == tried + 1
    asked = len(world.slack.requests)
    world.clock.advance(seconds=29)
    await world.deliver()
    assert len(world.slack.requests) == asked
    assert len(world.slack.calls) == sent_before
    world.clock.advance(seconds=1)
    await world.deliver()

    async with world.app.uow() as uow:
        assert await uow.outbox.pending_count("slack") == 0
        assert await uow.outbox.dead_count() == 0
    after = [c for c in world.slack.calls[sent_before:] if c.method in FEED_METHODS]
    [second_alert] = world.alerts()[1:]
    second_ts = second_alert["ts"]
    assert second in second_alert["text"]
    seen = [
        (c.method, c.params.get("ts") or c.params.get("thread_ts"), c.params["text"].split("\n")[0])
        for c in after
    ]
    assert [call for call in seen if call[1] == first_ts] == [
        ("chat.update", first_ts, "New concern shared"),
        ("chat.postMessage", first_ts, "Acknowledged by carla."),
    ]
    assert [call for call in seen if call[1] != first_ts] == [
        ("chat.postMessage", None, "New concern shared"),
        ("chat.update", second_ts, "New concern shared"),
        ("chat.postMessage", second_ts, f"Acknowledged by User{TELEGRAM_COORDINATOR}."),
    ]
    assert "Status: Acknowledged" in world.current(first_ts)["text"]
    assert "Status: Acknowledged" in world.current(second_ts)["text"]


async def test_case_file_commands_in_slack_answer_only_the_coordinator_and_post_nothing(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    other = await world.share()
    messages = len(world.slack.called("chat.postMessage"))
    before = len(world.ephemerals(CARLA))
    note = "The mentor knows him well; call her before the case meeting."
    for text in (f"casenote {reference} {note}", f"link {reference} {other}"):
        answer = await world.command(CARLA, text)
        assert (answer.status, answer.text) == (200, "")
    noted, linked = world.ephemerals(CARLA)[before:]
    assert noted["text"].startswith(f"Note added to the case file of {reference}.")
    assert linked["text"] == f"{reference} and {other} are now linked. Only coordinators see this."
    assert len(world.slack.called("chat.postMessage")) == messages
    assert all(note not in text_of(call) for call in world.slack.requests)
    assert all(note not in text for text in world.texts(REPORTER))


async def test_a_handover_in_slack_is_a_modal_and_the_note_goes_to_the_colleague_directly(
    shared: tuple[World, str],
) -> None:
    world, reference = shared
    dirk = "U0DIRK"
    assert (await world.join(dirk)).status == 200
    dirk_member = await world.member(dirk)
    assert dirk_member is not None
    note = "The mentor expects a call on Friday; the care team is informed."
    await world.command(CARLA, "list")
    await world.press(CARLA, world.ephemerals(CARLA)[-1], reference)
    card = world.ephemerals(CARLA)[-1]
    assert "Hand over" in labels(card)

    await world.press(CARLA, card, "Hand over")
    form = world.slack.views[-1]
    assert form["callback_id"] == "handover"
    [select] = [b for b in form["blocks"] if b["block_id"] == "to"]
    assert [o["text"]["text"] for o in select["element"]["options"]] == ["dirk"]
    index = len(world.slack.views) - 1
    missing = await world.submit(CARLA, index, {"to": str(dirk_member.id), "note": " "})
    assert missing.json()["errors"] == {"note": "Please write a handover note."}
    done = await world.submit(CARLA, index, {"to": str(dirk_member.id), "note": note})
    assert (done.status, done.text) == (200, "")

    assert (await world.concern(reference)).assignee_id == dirk_member.id
    assert world.ephemerals(CARLA)[-1]["text"].startswith(
        f"{reference} is now assigned to dirk. Told directly: dirk."
    )
    [opened] = [c for c in world.slack.called("conversations.open") if "DIRK" in str(c)]
    direct = [p for p in world.slack.called("chat.postMessage") if p["channel"] != ALERTS]
    assert any(note in str(p) for p in direct)
    assert all(note not in str(p) for p in world.slack.posted(ALERTS))
    assert world.thread(world.alerts()[-1]["ts"])[-1]["text"] == "Handed over to dirk."
    assert all(note not in text for text in world.texts(REPORTER))
    assert opened
