"""Nothing secret in logs: a whole journey (reporter on Telegram, coordinator on Slack, both
fakes on 127.0.0.1) with canary account text, bot token and signing secret, a failing delivery
and a failing turn, captured at DEBUG in every way the bot logs: none of the canaries appear."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import io
import json
import logging
import sys
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.ratelimit import SendLimiter
from adapters.registry import REGISTRY
from adapters.slack.channel import SlackAdapter
from adapters.telegram.channel import TelegramAdapter
from adapters.telegram.translate import parse_callback
from bot.app.composition import App, bootstrap
from bot.app.logs import RedactingFilter, configure_logging
from bot.app.sinks import ChannelSink
from bot.delivery.worker import Deliverer
from bot.domain.model import Role
from bot.share_script import share_path
from bot.storage.concerns import ConcernRepository
from bot.testing import FakeClock, example_settings, fixed_cipher
from bot.usecases.invites import create_invite
from tests.channel_settings import slack_of, telegram_of, with_channels
from tests.fakes.slack_api import TEAM_ID, FakeSlack, Outage
from tests.fakes.telegram_api import FakeTelegram, ScriptedError

BOT_TOKEN = "7000001:CANARY-TOKEN-qW8zR2xLm4Tn"
SLACK_TOKEN = "xoxb-CANARY-SLACK-TOKEN-5hG7"
SIGNING_SECRET = "CANARY-SIGNING-SECRET-3Kd9"
WEBHOOK_SECRET = "CANARY-WEBHOOK-SECRET-1Pq6"
NAME = "CANARY-NAME-Aylin"
FACTS = "CANARY-ACCOUNT-77e1: he shared a beheading video in the class chat."
INTERPRETATION = "CANARY-VIEW-0c3d: he may be looking for belonging."
QUESTION = "CANARY-QUESTION-5b8a: did classmates react?"
ANSWER = "CANARY-ANSWER-9e2f: two laughed, one reported it."
NOTE = "CANARY-NOTE-d4c1: we held a case meeting."
CANARIES = (
    BOT_TOKEN,
    BOT_TOKEN.split(":")[1],
    SLACK_TOKEN,
    SIGNING_SECRET,
    WEBHOOK_SECRET,
    NAME,
    "CANARY-ACCOUNT",
    "CANARY-VIEW",
    "CANARY-QUESTION",
    "CANARY-ANSWER",
    "CANARY-NOTE",
    "beheading",
)
REPORTER = 4201
COORDINATOR = "U0CARL"
FEED = "C0000000000"
SCRIPT = share_path(facts=FACTS, interpretation=INTERPRETATION).lines()


class Captured(logging.Handler):
    """Keeps every record it sees, formatted with its exception, after a RedactingFilter."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(RedactingFilter())
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Format and keep the record."""
        self.lines.append(self.format(record))


@dataclass
class Logs:
    """Everything logged during a test: through pytest, a filtered handler and JSON lines."""

    caplog: pytest.LogCaptureFixture
    captured: Captured
    json_lines: io.StringIO

    def everything(self) -> str:
        """All captured text, every way it was captured."""
        records = [
            f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in self.caplog.records
        ]
        return "\n".join(
            [self.caplog.text, *records, *self.captured.lines, self.json_lines.getvalue()]
        )


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[Logs]:
    """Production logging (JSON lines, quiet libraries) into a buffer, plus pytest's capture
    and a redacting handler, with the root logger at DEBUG; everything is put back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = REGISTRY.loggers()  # as `concernbot` passes them: the channels' libraries
    touched = ("httpx", "httpcore", "apscheduler", "aiohttp.access", "slack_bolt", *quiet)
    levels = {name: logging.getLogger(name).level for name in (*touched, "slack_sdk")}
    buffer = io.StringIO()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", buffer)
        configure_logging(verbose=True, structured=True, quiet=quiet)
    captured = Captured()
    root.addHandler(captured)
    root.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    # As an operator chasing a connection problem might: HTTP client logs on, URLs and all.
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    yield Logs(caplog, captured, buffer)
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


@dataclass
class Journey:
    """The bot with its Telegram and Slack adapters on fakes, driven step by step."""

    app: App
    clock: FakeClock
    telegram_api: FakeTelegram
    slack_api: FakeSlack
    telegram: TelegramAdapter
    slack: SlackAdapter
    deliverer: Deliverer
    _ts: Iterator[int] = field(default_factory=lambda: iter(range(1, 10_000)))

    # --- Telegram ------------------------------------------------------------------------

    async def telegram_update(self, update: dict[str, Any]) -> None:
        """Hand a webhook update to the adapter, then deliver what is due."""
        for key in ("message", "callback_query"):
            if key in update:
                update[key]["from"]["first_name"] = NAME
        await self.telegram.process_webhook(update)
        await self.deliverer.deliver_due()

    async def say(self, text: str) -> None:
        """The reporter types ``text``."""
        await self.telegram_update(self.telegram_api.message(REPORTER, text))

    async def press(self, key: str) -> None:
        """The reporter taps the button with this choice id or label on the newest keyboard."""
        for message in reversed(self.telegram_api.sent):
            markup = message.get("reply_markup")
            if message["chat"]["id"] != REPORTER or not markup:
                continue
            for row in markup["inline_keyboard"]:
                for button in row:
                    data = button["callback_data"]
                    if key in (button["text"], parse_callback(data)[1]):
                        update = self.telegram_api.callback(REPORTER, data, message["message_id"])
                        await self.telegram_update(update)
                        return
            raise AssertionError(f"no button {key!r}")
        raise AssertionError("no keyboard yet")

    async def script(self, lines: tuple[str, ...]) -> None:
        """Play a conversation: '#key' taps a button, anything else is typed."""
        for line in lines:
            await (self.press(line[1:]) if line.startswith("#") else self.say(line))

    # --- Slack ---------------------------------------------------------------------------

    async def slack_request(self, form: dict[str, str], until: Callable[[], bool]) -> None:
        """POST a signed request to the Slack app and wait until ``until()`` holds."""
        body = urllib.parse.urlencode(form)
        stamp = str(int(time.time()))
        base = f"v0:{stamp}:{body}".encode()
        signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
        headers: dict[str, str | Sequence[str]] = {
            "content-type": ["application/x-www-form-urlencoded"],
            "x-slack-request-timestamp": [stamp],
            "x-slack-signature": [signature],
        }
        response = await self.slack.app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
        assert response.status == 200, response.body
        await self.slack_api.wait_for(until)
        await self.deliverer.deliver_due()

    def calls(self, method: str) -> int:
        """How many successful calls of ``method`` Slack received."""
        return len(self.slack_api.called(method))

    async def slash(self, text: str) -> None:
        """The coordinator types ``/concern <text>``."""
        seen = self.calls("chat.postEphemeral")
        form = {
            "command": "/concern",
            "text": text,
            "user_id": COORDINATOR,
            "user_name": "carl",
            "team_id": TEAM_ID,
            "channel_id": "D0CARL",
            "trigger_id": "trigger-slash",
        }
        await self.slack_request(form, lambda: self.calls("chat.postEphemeral") > seen)

    async def button(self, verb: str, value: str, expect: str = "views.open") -> None:
        """The coordinator presses a button on the alert in the feed."""
        seen = self.calls(expect)
        payload = {
            "type": "block_actions",
            "user": {"id": COORDINATOR, "name": "carl", "team_id": TEAM_ID},
            "team": {"id": TEAM_ID},
            "channel": {"id": FEED},
            "trigger_id": self.slack_api.trigger_id(),
            "actions": [
                {"action_id": f"act:{verb}", "value": value, "action_ts": f"{next(self._ts)}.1"}
            ],
        }
        await self.slack_request(
            {"payload": json.dumps(payload)}, lambda: self.calls(expect) > seen
        )

    async def submit(self, form: str, reference: str, values: dict[str, Any]) -> None:
        """The coordinator submits a modal."""
        seen = self.calls("chat.postEphemeral")
        payload = {
            "type": "view_submission",
            "user": {"id": COORDINATOR, "name": "carl", "team_id": TEAM_ID},
            "team": {"id": TEAM_ID},
            "view": {
                "id": f"V{next(self._ts)}",
                "type": "modal",
                "callback_id": form,
                "private_metadata": f"{reference}|{FEED}",
                "state": {"values": values},
            },
        }
        await self.slack_request(
            {"payload": json.dumps(payload)}, lambda: self.calls("chat.postEphemeral") > seen
        )

    async def reference(self) -> str:
        """The reporter's newest concern."""
        async with self.app.uow() as uow:
            concerns = await uow.concerns.open_in_network("demo")
        return concerns[-1].reference

    async def invite(self, role: Role) -> str:
        """A fresh invitation code."""
        async with self.app.uow() as uow:
            code = await create_invite(
                uow,
                self.app.settings,
                "jongerenwerk-noord",
                role,
                timedelta(days=7),
                self.clock.now(),
            )
            await uow.commit()
        return code


def text_value(value: str) -> dict[str, Any]:
    """A plain-text field of a submitted modal."""
    return {"value": {"type": "plain_text_input", "value": value}}


def select_value(value: str) -> dict[str, Any]:
    """A select field of a submitted modal."""
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


@pytest.fixture
async def journey(tmp_path: Path, logs: Logs) -> AsyncIterator[Journey]:
    """The running bot, its adapters and both fakes; everything is stopped afterwards."""
    telegram_api = FakeTelegram(token=BOT_TOKEN)
    slack_api = FakeSlack(token=SLACK_TOKEN)
    await telegram_api.start()
    await slack_api.start()
    settings = example_settings(tmp_path / "bot.db")
    settings = with_channels(
        settings,
        telegram=dataclasses.replace(
            telegram_of(settings),
            api_base_url=f"http://127.0.0.1:{telegram_api.port}",
            mode="webhook",
            webhook_url=telegram_api.front(9),
        ),
        slack=dataclasses.replace(slack_of(settings), api_base_url=slack_api.base_url),
    )
    clock = FakeClock()
    app = await bootstrap(
        settings, clock, fixed_cipher(), environ={"SLACK_BOT_TOKEN": "set"}, channels=REGISTRY
    )
    fast = SendLimiter(1e6, 1e6, 1e6)
    telegram = TelegramAdapter(telegram_of(settings), BOT_TOKEN, WEBHOOK_SECRET, fast)
    slack = SlackAdapter(slack_of(settings), SLACK_TOKEN, SIGNING_SECRET, "en", limiter=fast)
    deliverer = Deliverer(app.uow, {"telegram": telegram, "slack": slack}, clock, settings.outbox)
    try:
        await telegram.start(ChannelSink(app.bot, deliverer, telegram.capabilities))
        await slack.start(ChannelSink(app.bot, deliverer, slack.capabilities))
        yield Journey(app, clock, telegram_api, slack_api, telegram, slack, deliverer)
    finally:
        await telegram.stop()
        await slack.stop()
        await app.close()
        await telegram_api.stop()
        await slack_api.stop()


async def walk(j: Journey, monkeypatch: pytest.MonkeyPatch) -> None:
    """Enrol both, share, view, ask, answer, view the reply, close with a note; with a Telegram
    failure, a Slack outage and a turn that fails with secrets in its exception."""
    await j.say(f"/start {await j.invite(Role.REPORTER)}")
    await j.slash(f"join {await j.invite(Role.COORDINATOR)}")
    await j.script(SCRIPT)
    ref = await j.reference()
    await j.button("details", ref)
    await j.button("ack", ref, expect="chat.postEphemeral")
    await j.button("ask", ref)
    await j.submit("ask", ref, {"question": text_value(QUESTION)})
    await j.press("Answer")
    j.slack_api.outage = Outage(status=503, times=1)  # the feed line fails once
    await j.say(ANSWER)
    j.clock.advance(minutes=5)
    await j.deliverer.deliver_due()
    async with j.app.uow() as uow:
        concern = await uow.concerns.by_reference(ref)
        assert concern is not None
        assert concern.id is not None
        (question,) = await uow.questions.of_concern(concern.id)
    await j.button("reply", str(question.id))
    await j.button("status", ref)
    error = ScriptedError(500, f"Internal Server Error: {NOTE} {BOT_TOKEN}")
    j.telegram_api.fail_next("sendMessage", error)
    status = {
        "status": select_value("closed"),
        "outcome": select_value("referred"),
        "note": text_value(NOTE),
    }
    await j.submit("status", ref, status)
    j.clock.advance(minutes=5)
    await j.deliverer.deliver_due()

    async def broken(self: ConcernRepository, reporter_id: int) -> list[Any]:
        raise RuntimeError(f"{FACTS} {BOT_TOKEN} {SLACK_TOKEN} {SIGNING_SECRET}")

    monkeypatch.setattr(ConcernRepository, "of_reporter", broken)
    await j.say("/status")
    monkeypatch.undo()


async def test_a_whole_journey_leaves_no_account_text_token_or_secret_in_any_log(
    journey: Journey, logs: Logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    await walk(journey, monkeypatch)

    everything = logs.everything()
    # The journey really happened, with the canaries in play …
    texts = [m["text"] for m in journey.telegram_api.sent if m["chat"]["id"] == REPORTER]
    assert any(QUESTION in t for t in texts)
    assert any(NOTE in t for t in texts)
    assert any(FACTS in json.dumps(v) for v in journey.slack_api.views)
    assert any(ANSWER in json.dumps(v) for v in journey.slack_api.views)
    assert any("Sorry, something went wrong" in t for t in texts)
    failed = len(journey.telegram_api.called("sendMessage")) - len(journey.telegram_api.sent)
    assert failed == 1
    async with journey.app.uow() as uow:  # the failed deliveries were retried, none lost
        assert (await uow.outbox.pending_count(), await uow.outbox.dead_count()) == (0, 0)
    # … and it was logged, failures included …
    assert "turn failed: RuntimeError" in everything
    assert "HTTP Request: POST" in everything
    assert "[redacted]" in everything
    # … yet no canary reached any log.
    for canary in CANARIES:
        assert canary not in everything, canary
    # The production handler wrote one valid JSON object per line.
    entries = [json.loads(line) for line in logs.json_lines.getvalue().splitlines()]
    assert len(entries) > 10
    for entry in entries:
        assert {"at", "level", "logger", "message"} <= set(entry)
    failed = next(e for e in entries if e["message"] == "turn failed: RuntimeError")
    assert (failed["level"], failed["logger"]) == ("error", "bot.conversation.core")


def test_a_logged_exception_becomes_one_json_line_with_its_traceback_redacted(
    logs: Logs,
) -> None:
    for cause in (f"broken with {SLACK_TOKEN}", "broken without secrets"):
        try:
            raise ValueError(cause)
        except ValueError:
            logging.getLogger("bot.test").exception("an exception, logged with its traceback")

    with_secret, without = (json.loads(line) for line in logs.json_lines.getvalue().splitlines())

    assert with_secret["message"] == without["message"] == "an exception, logged with its traceback"
    assert with_secret["level"] == "error"
    assert with_secret["logger"] == "bot.test"
    assert "ValueError: broken with [redacted]" in with_secret["exception"]
    assert "Traceback (most recent call last)" in without["exception"]
    assert "ValueError: broken without secrets" in without["exception"]
    assert SLACK_TOKEN not in logs.everything()


def test_the_log_format_variable_switches_to_json_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    monkeypatch.setenv("CONCERNBOT_LOG_FORMAT", "json")
    try:
        configure_logging()
        logging.getLogger("bot.test").warning("plain words, %s", "no secrets")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)

    (line,) = buffer.getvalue().splitlines()
    assert json.loads(line)["message"] == "plain words, no secrets"
