"""Telegram end to end: the real python-telegram-bot Application against a fake Bot API server.

Every test runs in long-polling mode and in webhook mode. The bot runs as ``Service`` runs it in
production (HTTP server, outbox worker, Telegram adapter in one loop); only the clock, the send
limiter's clock and the Bot API are fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pyotp
import pytest
from sqlalchemy import func, select

from adapters.ratelimit import SendLimiter
from adapters.service import Service
from adapters.telegram.commands import COMMANDS
from adapters.telegram.translate import MAX_TEXT, parse_callback
from bot.app.composition import App
from bot.channels.events import Address, InboundEvent
from bot.channels.protocol import Capability
from bot.conversation.core import Bot
from bot.conversation.dialog import DialogState
from bot.delivery.worker import Deliverer
from bot.domain.model import Member, Role
from bot.i18n import translator
from bot.share_script import share_path
from bot.storage.tables import concerns, outbox, processed_events
from bot.testing import SHARE_SCRIPT, FakeClock, example_settings, fixed_cipher
from bot.usecases.invites import create_invite
from tests.channel_settings import telegram_of, with_channels
from tests.fakes.telegram_api import FakeTelegram, ScriptedError

ORG = "jongerenwerk-noord"
REPORTER = 4201
COORDINATOR = 7701
WEBHOOK_SECRET = "webhook-secret-9f8e7d6c"
WITHIN = 10.0
ACCOUNT_TEXT = (
    "CANARY-FACT-7f3a: a pupil praised an attack abroad in class.",
    "He may be testing limits.",
)


class Probe:
    """Notices when the core has handled an event and when the outbox worker finished a pass."""

    def __init__(self) -> None:
        self.handled: list[str | None] = []
        self.passes = 0
        self.running = 0
        self._changed = asyncio.Condition()

    async def note_handled(self, event: InboundEvent) -> None:
        """Record that the core finished ``event``."""
        async with self._changed:
            self.handled.append(event.event_id)
            self._changed.notify_all()

    async def note_pass_begun(self) -> None:
        """Record that the outbox worker began a delivery pass."""
        async with self._changed:
            self.running += 1
            self._changed.notify_all()

    async def note_pass(self) -> None:
        """Record that the outbox worker finished a delivery pass."""
        async with self._changed:
            self.running -= 1
            self.passes += 1
            self._changed.notify_all()

    async def wait(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds (fails the test after a while)."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(until(), WITHIN)


class Ticks:
    """The send limiter's monotonic clock: it moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        """The current fake time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Advance instead of waiting, and remember how long was asked for."""
        self.slept.append(seconds)
        self.now += seconds


def free_port() -> int:
    """A loopback port that is free right now (the webhook URL must be known before start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class World:
    """The running bot, the fake Bot API and helpers to talk to the bot as Telegram users."""

    mode: str
    fake: FakeTelegram
    clock: FakeClock
    probe: Probe
    ticks: Ticks
    database: Path
    port: int
    service: Service | None = None
    pressed: int = 0
    sent_by: dict[int, list[int]] = field(default_factory=dict)
    secrets: dict[int, str] = field(default_factory=dict)
    """Each user's authenticator secret, once set up (``two_factor``)."""

    @property
    def app(self) -> App:
        """The wired bot of the running service."""
        assert self.service is not None
        assert self.service.app is not None
        return self.service.app

    @property
    def deliverer(self) -> Deliverer:
        """The service's outbox worker."""
        assert self.service is not None
        assert self.service.deliverer is not None
        return self.service.deliverer

    async def start(self) -> None:
        """Start the service the way ``concernbot run`` does."""
        settings = example_settings(self.database)
        telegram = replace(
            telegram_of(settings),
            api_base_url=f"http://127.0.0.1:{self.fake.port}",
            mode=self.mode,
            webhook_url=self.fake.front(self.port),
        )
        http = replace(settings.http, host="127.0.0.1", port=self.port)
        quiet = replace(settings.scheduler, enabled=False)  # no digests or reminders here
        settings = replace(with_channels(settings, telegram=telegram), http=http, scheduler=quiet)
        environ = {"TELEGRAM_BOT_TOKEN": self.fake.token, "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET}
        limiter = SendLimiter(
            30.0, 1.0, 3.0, monotonic=self.ticks.monotonic, sleep=self.ticks.sleep
        )
        self.service = Service(
            settings,
            environ,
            self.clock,
            fixed_cipher(),
            options={"telegram": {"limiter": limiter}},
        )
        await self.service.start()

    async def stop(self) -> None:
        """Stop the service (idempotent)."""
        if self.service is not None:
            await self.service.stop()
            self.service = None

    async def restart(self) -> None:
        """Stop and start again on the same database (and port)."""
        await self.stop()
        await self.start()

    # --- talking to the bot ---------------------------------------------------------------

    async def invite(
        self, role: Role = Role.REPORTER, valid_for: timedelta = timedelta(days=7)
    ) -> str:
        """A fresh invite code, as ``concernbot invite`` would print it."""
        async with self.app.uow() as uow:
            code = await create_invite(
                uow, self.app.settings, ORG, role, valid_for, self.clock.now()
            )
            await uow.commit()
        return code

    async def deliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Hand one update to the bot and wait until it and its replies have gone through."""
        await self.fake.push(update)
        await self.settle(update)
        return update

    async def say(self, user: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
        """The user sends a message (text, or media given as ``extra``)."""
        update = self.fake.message(user, text, **extra)
        self.sent_by.setdefault(user, []).append(update["message"]["message_id"])
        return await self.deliver(update)

    async def press(self, user: int, key: str) -> dict[str, Any]:
        """The user taps the button (by choice id or label) on the newest message with buttons."""
        message_id, buttons = self.keyboard(user)
        if key not in buttons:
            raise AssertionError(f"no button {key!r} in {sorted(buttons)}")
        return await self.tap(user, buttons[key], message_id)

    async def tap(self, user: int, data: str, message_id: int = 1) -> dict[str, Any]:
        """The user taps a button carrying ``data``; waits until the query is answered."""
        self.pressed += 1
        update = await self.deliver(self.fake.callback(user, data, message_id))
        await self.fake.wait_for(lambda: self.answered() >= self.pressed, WITHIN)
        return update

    async def run_script(self, user: int, lines: tuple[str, ...]) -> None:
        """Play a scripted conversation: '#id' taps a button, anything else is typed."""
        for line in lines:
            if line.startswith("#"):
                await self.press(user, line[1:])
            else:
                await self.say(user, line)

    async def enrol(self, user: int, role: Role = Role.REPORTER) -> None:
        """Invite ``user`` and let them follow the link."""
        code = await self.invite(role)
        await self.say(user, f"/start {code}")
        assert any(t.startswith("Welcome.") for t in self.texts(user))

    async def two_factor(self, user: int) -> str:
        """Set up the user's authenticator app with /2fa and its first code; returns the
        secret, as the app keeps it (taken from the otpauth:// link the bot showed)."""
        await self.say(user, "/2fa")
        shown = next(t for t in reversed(self.texts(user)) if "otpauth://" in t)
        found = re.search(r"secret=([A-Z2-7]+)", shown)
        assert found is not None
        await self.say(user, pyotp.TOTP(found.group(1)).at(self.clock.now()))
        assert self.texts(user)[-1].startswith("Done: your second factor is active.")
        self.secrets[user] = found.group(1)
        return found.group(1)

    async def step_up(self, user: int) -> bool:
        """Type the code of the user's app now if the bot just asked for one (True if so)."""
        if "Type the 6 digits" not in self.texts(user)[-1]:
            return False
        await self.say(user, pyotp.TOTP(self.secrets[user]).at(self.clock.now()))
        return True

    async def share(self, user: int, script: tuple[str, ...] = SHARE_SCRIPT) -> str:
        """Share a concern through the whole dialog; returns its reference."""
        await self.run_script(user, script)
        return reference_in(self.texts(user))

    async def settle(self, update: dict[str, Any]) -> None:
        """Wait until the core handled ``update`` and everything due has been delivered."""
        update_id = str(update["update_id"])
        await self.probe.wait(lambda: update_id in self.probe.handled)
        await self.drain()

    async def drain(self) -> None:
        """Wait until every message due now is settled and no delivery pass is under way."""
        while True:
            await self.probe.wait(lambda: self.probe.running == 0)
            if not await self.due():
                return
            await self.next_pass()

    async def next_pass(self) -> None:
        """Wake the outbox worker and wait until it has finished a pass that began after now."""
        passes = self.probe.passes
        if not await self.due():
            return
        self.deliverer.wake()
        await self.probe.wait(lambda: self.probe.passes > passes)

    async def due(self) -> bool:
        """True while some recipient's next outbox message is due (and not yet settled)."""
        first = (
            select(func.min(outbox.c.id).label("id"))
            .where(outbox.c.state == "pending")
            .group_by(outbox.c.channel, outbox.c.address)
            .subquery()
        )
        query = (
            select(func.count())
            .select_from(outbox.join(first, outbox.c.id == first.c.id))
            .where(outbox.c.next_attempt_at <= self.clock.now())
        )
        async with self.app.engine.connect() as connection:
            return bool((await connection.execute(query)).scalar_one())

    # --- what happened --------------------------------------------------------------------

    def texts(self, chat: int) -> list[str]:
        """Every text the bot delivered to ``chat`` (refused attempts left out)."""
        return [m["text"] for m in self.fake.sent if m["chat"]["id"] == chat]

    def keyboard(self, chat: int) -> tuple[int, dict[str, str]]:
        """The newest message to ``chat`` with buttons: its id, and callback data by choice."""
        for message in reversed(self.fake.sent):
            if message["chat"]["id"] == chat and "reply_markup" in message:
                buttons: dict[str, str] = {}
                for row in message["reply_markup"]["inline_keyboard"]:
                    for button in row:
                        buttons[parse_callback(button["callback_data"])[1]] = button[
                            "callback_data"
                        ]
                        buttons[button["text"]] = button["callback_data"]
                return int(message["message_id"]), buttons
        raise AssertionError(f"no message with buttons to {chat}")

    def answered(self) -> int:
        """How many callback queries the bot answered."""
        return len(self.fake.called("answerCallbackQuery"))

    async def member(self, user: int) -> Member | None:
        """The member a Telegram user is enrolled as."""
        async with self.app.uow() as uow:
            return await uow.members.by_address(Address("telegram", str(user)))

    async def dialog(self, user: int) -> DialogState | None:
        """The user's stored dialog state."""
        member = await self.member(user)
        assert member is not None
        assert member.id is not None
        async with self.app.uow() as uow:
            return await uow.dialogs.load(member.id)

    async def count(self, table: Any, *where: Any) -> int:
        """Rows in a table (matching ``where``)."""
        query = select(func.count()).select_from(table).where(*where)
        async with self.app.engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())


def reference_in(texts: list[str]) -> str:
    """The concern reference from the newest confirmation text."""
    for text in reversed(texts):
        found = re.search(r"Reference: (\S+)", text)
        if found:
            return found.group(1)
    raise AssertionError("no reference was given")


@contextlib.asynccontextmanager
async def running_world(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[World]:
    """A running bot in this mode (polling or webhook), talking to a fresh fake Bot API, with
    a probe that sees every handled event and every delivery pass."""
    probe = Probe()
    handle = Bot.handle
    deliver_due = Deliverer.deliver_due

    async def handled(
        self: Bot, event: InboundEvent, capabilities: frozenset[Capability] = frozenset()
    ) -> None:
        try:
            await handle(self, event, capabilities)
        finally:
            await probe.note_handled(event)

    async def delivered(self: Deliverer) -> int:
        await probe.note_pass_begun()
        try:
            return await deliver_due(self)
        finally:
            await probe.note_pass()

    monkeypatch.setattr(Bot, "handle", handled)
    monkeypatch.setattr(Deliverer, "deliver_due", delivered)
    fake = FakeTelegram()
    await fake.start()
    world = World(
        mode=mode,
        fake=fake,
        clock=FakeClock(),
        probe=probe,
        ticks=Ticks(),
        database=tmp_path / "bot.db",
        port=free_port(),
    )
    try:
        await world.start()
        yield world
    finally:
        await world.stop()
        await fake.stop()


@pytest.fixture(params=["polling", "webhook"])
async def world(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[World]:
    """A running bot in polling or webhook mode, talking to a fresh fake Bot API."""
    async with running_world(str(request.param), tmp_path, monkeypatch) as running:
        yield running


SHARE_PATH = share_path()
WEBHOOK = pytest.mark.parametrize("world", ["webhook"], indirect=True)
POLLING = pytest.mark.parametrize("world", ["polling"], indirect=True)
"""For what only concerns sending: the way updates arrive makes no difference there."""


# --- start-up -----------------------------------------------------------------------------


async def test_on_start_the_bot_registers_its_commands_in_dutch_and_english(world: World) -> None:
    by_language = {
        call.get("language_code"): {c["command"]: c["description"] for c in call["commands"]}
        for call in world.fake.called("setMyCommands")
    }

    assert {"nl", "en"} <= set(by_language)
    for language in ("nl", "en"):
        t = translator(language)
        assert by_language[language] == {name: t(text) for name, text in COMMANDS}
    assert by_language["en"]["new"] == "Share a concern or ask for advice"
    assert by_language["nl"]["wipe"] == "De berichten van de bot uit deze chat verwijderen"
    assert {"add", "message"} <= set(by_language["nl"])


async def test_polling_mode_deletes_the_webhook_and_webhook_mode_sets_it_with_the_secret(
    world: World,
) -> None:
    if world.mode == "polling":
        assert world.fake.called("deleteWebhook")
        assert not world.fake.called("setWebhook")
        assert world.fake.called("getUpdates")
    else:
        [webhook] = world.fake.called("setWebhook")
        assert webhook["url"] == world.fake.front(world.port)
        assert webhook["secret_token"] == WEBHOOK_SECRET
        assert "callback_query" in webhook["allowed_updates"]
        assert not world.fake.called("getUpdates")


async def test_healthz_answers_200_with_json(world: World) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{world.port}/healthz") as answer,
    ):
        body = await answer.json()

    assert answer.status == 200
    assert body["ok"] is True
    assert body["database"] == "ok"


# --- onboarding ---------------------------------------------------------------------------


async def test_an_invited_reporter_shares_a_concern_by_buttons_and_finds_it_in_status(
    world: World,
) -> None:
    code = await world.invite()
    await world.say(REPORTER, f"/start {code}")
    assert world.texts(REPORTER)[0].startswith("Welcome. You are now enrolled in")

    reference = await world.share(REPORTER)
    removed = world.texts(REPORTER)[-1]
    await world.say(REPORTER, "/status")

    assert re.fullmatch(r"[A-Z2-9]{3}-[A-Z2-9]{3}", reference)
    status = world.texts(REPORTER)[-1]
    assert status.startswith("Your concerns:")
    assert reference in status
    assert world.answered() == world.pressed == sum(1 for line in SHARE_SCRIPT if line[0] == "#")
    async with world.app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
    assert concern is not None
    assert (concern.facts, concern.interpretation) == ACCOUNT_TEXT
    # Chat hygiene: the two typed parts of the account (not the commands) are deleted.
    typed = [
        message_id
        for message_id, line in zip(
            world.sent_by[REPORTER][1:-1],  # after /start, before /status
            [line for line in SHARE_SCRIPT if not line.startswith("#")],
            strict=True,
        )
        if not line.startswith("/")
    ]
    assert len(typed) == 2
    assert world.fake.deleted == [(REPORTER, message_id) for message_id in typed]
    assert removed.startswith("I removed your 2 messages with the account")
    # User text is sent as plain text: no parse mode that an underscore or bracket could break.
    assert not any("parse_mode" in p for p in world.fake.called("sendMessage"))


async def test_a_button_from_an_earlier_step_answers_expired_and_changes_nothing(
    world: World,
) -> None:
    await world.enrol(REPORTER)
    await world.say(REPORTER, "/new")
    old_message, old_buttons = world.keyboard(REPORTER)
    await world.press(REPORTER, "no")
    before = await world.dialog(REPORTER)

    await world.tap(REPORTER, old_buttons["yes"], old_message)

    assert "expired" in world.texts(REPORTER)[-1]
    assert await world.dialog(REPORTER) == before
    assert before is not None
    assert (before.step, before.answers["safety"]) == ("privacy", "no")
    assert world.answered() == world.pressed == 2


async def test_a_tap_on_a_message_whose_keyboard_is_gone_is_harmless_and_logged_as_no_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.enrol(REPORTER)
    await world.say(REPORTER, "/new")
    old_message, old_buttons = world.keyboard(REPORTER)
    await world.press(REPORTER, "no")
    caplog.set_level(logging.DEBUG)

    await world.tap(REPORTER, old_buttons["yes"], old_message)
    await world.tap(REPORTER, old_buttons["no"], old_message)

    edits = [
        p for p in world.fake.called("editMessageReplyMarkup") if p["message_id"] == old_message
    ]
    assert len(edits) == 3  # the first took the keyboard away; Telegram refuses the others
    assert world.fake.messages[(REPORTER, old_message)].reply_markup is None
    assert "expired" in world.texts(REPORTER)[-1]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_the_same_update_delivered_twice_has_effect_once(world: World) -> None:
    code = await world.invite()
    start = world.fake.message(REPORTER, f"/start {code}")
    await world.fake.push_all(start, start)
    await world.settle(start)
    await world.say(REPORTER, "/new")
    await world.press(REPORTER, "no")
    await world.run_script(REPORTER, SHARE_PATH.answer("privacy"))
    fact = world.fake.message(REPORTER, "Twice delivered, once noted.")
    await world.fake.push_all(fact, fact)
    await world.settle(fact)
    await world.drain()

    texts = world.texts(REPORTER)
    assert sum(t.startswith("Welcome.") for t in texts) == 1
    assert not any("already been used" in t for t in texts)
    assert sum(t.startswith("Noted (") for t in texts) == 1
    state = await world.dialog(REPORTER)
    assert state is not None
    assert state.answers["facts"] == ["Twice delivered, once noted."]
    assert (
        await world.count(processed_events, processed_events.c.event_id == str(fact["update_id"]))
        == 1
    )


async def test_used_and_expired_codes_are_refused(world: World) -> None:
    used = await world.invite()
    await world.say(REPORTER, f"/start {used}")
    short = await world.invite(valid_for=timedelta(days=1))
    world.clock.advance(days=2)

    await world.say(4302, f"/start {used}")
    await world.say(4303, f"/start {short}")

    assert world.texts(4302) == [
        "This invitation has already been used. Ask for a new one if you need it."
    ]
    assert world.texts(4303) == ["This invitation has expired. Ask for a new one."]
    assert await world.member(4302) is None
    assert await world.member(4303) is None


async def test_after_five_wrong_guesses_the_right_code_waits_out_a_five_minute_cool_down(
    world: World,
) -> None:
    code = await world.invite()
    for guess in ("AAAAAAAAAAAA", "BBBBBBBBBBBB", "CCCCCCCCCCCC", "DDDDDDDDDDDD", "EEEEEEEEEEEE"):
        await world.say(4401, f"/start {guess}")
    await world.say(4401, f"/start {code}")
    throttled = world.texts(4401)
    world.clock.advance(minutes=4)
    await world.say(4401, f"/start {code}")
    world.clock.advance(minutes=1)
    await world.say(4401, f"/start {code}")

    assert (
        throttled[:5]
        == ["This invitation code is not valid. Check the link, or ask for a new invitation."] * 5
    )
    assert throttled[5] == "Too many invalid codes. Please try the link again in 5 min."
    assert world.texts(4401)[6] == "Too many invalid codes. Please try the link again in 1 min."
    assert world.texts(4401)[7].startswith("Welcome.")
    assert await world.member(4401) is not None


async def test_an_unknown_user_gets_only_the_explanation_and_nothing_else_works(
    world: World,
) -> None:
    for text in ("hello", "/new", "/status", "/help", "/list", "/start"):
        await world.say(4999, text)
    await world.tap(4999, "abc123.1|yes")

    texts = world.texts(4999)
    assert len(texts) == 7
    assert len(set(texts)) == 1
    assert texts[0].startswith("Hello. This bot is for professionals in a local network")
    assert "Only invited professionals can use it." in texts[0]
    assert await world.member(4999) is None
    assert world.answered() == 1
    assert not any("reply_markup" in m for m in world.fake.sent)


async def test_a_group_gets_no_answer_and_the_bot_leaves_it(world: World) -> None:
    await world.enrol(REPORTER)
    group = -1001234567890
    added = world.fake.my_chat_member(REPORTER, group)
    sent_before = len(world.fake.called("sendMessage"))

    await world.fake.push(added)
    await world.fake.push(
        world.fake.message(REPORTER, "/new", chat_type="supergroup", chat_id=group)
    )
    await world.fake.wait_for(lambda: len(world.fake.called("leaveChat")) >= 2, WITHIN)
    await world.say(REPORTER, "/help")  # a barrier: the group updates were handled before it

    assert [c["chat_id"] for c in world.fake.called("leaveChat")] == [group, group]
    assert len(world.fake.called("sendMessage")) == sent_before + 1
    assert world.fake.texts_to(group) == []  # not even tried
    assert await world.dialog(REPORTER) is None


MEDIA: dict[str, dict[str, Any]] = {
    "photo": {"photo": [{"file_id": "AgAD-p", "file_unique_id": "p1", "width": 90, "height": 90}]},
    "sticker": {
        "sticker": {
            "file_id": "CAAD-s",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "voice": {"voice": {"file_id": "AwAD-v", "file_unique_id": "v1", "duration": 3}},
    "video": {
        "video": {
            "file_id": "BAAD-v",
            "file_unique_id": "v2",
            "width": 720,
            "height": 1280,
            "duration": 4,
        }
    },
    "document": {"document": {"file_id": "BQAD-d", "file_unique_id": "d1", "file_name": "a.pdf"}},
    "location": {"location": {"latitude": 51.92, "longitude": 4.48}},
    "contact": {"contact": {"phone_number": "+31600000000", "first_name": "Someone"}},
}


async def test_media_and_edits_get_a_polite_answer_and_nothing_is_downloaded_or_stored(
    world: World,
) -> None:
    await world.enrol(REPORTER)
    await world.run_script(REPORTER, SHARE_PATH.before("facts"))
    before = await world.dialog(REPORTER)

    for extra in MEDIA.values():
        await world.say(REPORTER, None, caption="a caption with a name", **extra)
    edit = world.fake.message(REPORTER, "Edited: a name after all")
    edit["edited_message"] = {**edit.pop("message"), "edit_date": 1795953700}
    await world.deliver(edit)

    answers = world.texts(REPORTER)[-(len(MEDIA) + 1) :]
    assert all(a.startswith("I can only read text messages") for a in answers)
    assert all("in your own words" in a for a in answers)
    assert await world.dialog(REPORTER) == before
    assert not world.fake.called("getFile")
    assert await world.count(concerns) == 0


# --- chat hygiene and long texts ----------------------------------------------------------


@POLLING
async def test_with_removal_turned_off_in_settings_nothing_is_deleted(world: World) -> None:
    await world.enrol(REPORTER)
    await world.say(REPORTER, "/settings")
    await world.press(REPORTER, "off")

    await world.share(REPORTER)

    assert world.fake.deleted == []
    assert not world.fake.called("deleteMessage")
    assert not any(t.startswith("I removed") for t in world.texts(REPORTER))


@POLLING
async def test_a_summary_longer_than_4096_characters_arrives_split_with_buttons_last(
    world: World,
) -> None:
    await world.enrol(REPORTER)
    await world.run_script(REPORTER, SHARE_PATH.before("facts"))
    parts = [f"Part {n}: " + " ".join(["observed"] * 430) for n in range(3)]
    assert all(3800 < len(p) < 4000 for p in parts)
    for part in parts:
        await world.say(REPORTER, part)
    await world.press(REPORTER, "done")

    await world.run_script(REPORTER, SHARE_PATH.span("source", "identity"))

    to_reporter = [m for m in world.fake.sent if m["chat"]["id"] == REPORTER]
    first = max(
        i for i, m in enumerate(to_reporter) if m["text"].startswith("Please check your account")
    )
    summary = to_reporter[first:]
    assert len(summary) >= 3
    assert all(len(m["text"]) <= MAX_TEXT for m in world.fake.sent)
    assert ["reply_markup" in m for m in summary] == [False] * (len(summary) - 1) + [True]
    assert "confirm" in world.keyboard(REPORTER)[1]
    joined = "".join("".join(m["text"].split()) for m in summary)
    assert all("".join(p.split()) in joined for p in parts)
    await world.press(REPORTER, "confirm")
    assert reference_in(world.texts(REPORTER))


# --- delivery -----------------------------------------------------------------------------


@POLLING
async def test_a_429_is_honoured_and_the_message_goes_out_after_retry_after(world: World) -> None:
    await world.enrol(REPORTER)
    world.fake.fail_next(
        "sendMessage", ScriptedError(429, "Too Many Requests: retry after 7", retry_after=7)
    )

    await world.say(REPORTER, "/privacy")
    assert not world.texts(REPORTER)[-1].startswith("What happens with what you share")
    assert await world.count(outbox, outbox.c.state == "pending") == 1

    world.clock.advance(seconds=8)
    await world.drain()

    privacy = [t for t in world.texts(REPORTER) if t.startswith("What happens with what you share")]
    assert len(privacy) == 1
    assert "• This chat is not end-to-end encrypted.\n" in privacy[0]  # Telegram's cloud chats
    assert max(world.ticks.slept) >= 7.0 - 1e-6
    assert await world.count(outbox, outbox.c.state != "sent") == 0


@POLLING
async def test_a_403_marks_the_member_unreachable_and_is_not_retried(world: World) -> None:
    await world.enrol(REPORTER)
    world.fake.fail_next(
        "sendMessage", ScriptedError(403, "Forbidden: bot was blocked by the user")
    )

    await world.say(REPORTER, "/privacy")
    world.clock.advance(days=1)
    await world.drain()

    member = await world.member(REPORTER)
    assert member is not None
    assert member.unreachable
    attempts = [p for p in world.fake.called("sendMessage") if "What happens" in p["text"]]
    assert len(attempts) == 1
    assert await world.count(outbox, outbox.c.state == "dead") == 1
    assert await world.count(outbox, outbox.c.state == "pending") == 0

    await world.say(REPORTER, "/help")
    member = await world.member(REPORTER)
    assert member is not None
    assert not member.unreachable
    assert world.texts(REPORTER)[-1].startswith("What I can do:")


@POLLING
async def test_a_400_dead_letters_that_one_message_and_the_next_is_delivered(world: World) -> None:
    await world.enrol(REPORTER)
    world.fake.fail_next("sendMessage", ScriptedError(400, "Bad Request: chat not found"))

    await world.say(REPORTER, "/privacy")
    await world.say(REPORTER, "/help")
    world.clock.advance(hours=1)
    await world.drain()

    texts = world.texts(REPORTER)
    assert texts[-1].startswith("What I can do:")
    assert sum(t.startswith("What happens with what you share") for t in texts) == 0
    assert await world.count(outbox, outbox.c.state == "dead") == 1
    member = await world.member(REPORTER)
    assert member is not None
    assert not member.unreachable


@POLLING
async def test_a_server_error_is_retried_later_and_not_lost(world: World) -> None:
    await world.enrol(REPORTER)
    world.fake.fail_next("sendMessage", ScriptedError(500, "Internal Server Error"), times=2)

    await world.say(REPORTER, "/privacy")
    for _ in range(2):
        world.clock.advance(minutes=10)
        await world.drain()

    texts = world.texts(REPORTER)
    assert sum(t.startswith("What happens with what you share") for t in texts) == 1
    assert await world.count(outbox, outbox.c.state != "sent") == 0


# --- webhook ------------------------------------------------------------------------------


@WEBHOOK
async def test_a_webhook_post_with_a_wrong_or_missing_secret_gets_403_and_has_no_effect(
    world: World,
) -> None:
    code = await world.invite()
    update = world.fake.message(REPORTER, f"/start {code}")

    wrong = await world.fake.post_webhook(update, secret="not-the-secret")
    missing = await world.fake.post_webhook(update, with_secret=False)
    await world.drain()

    assert (wrong, missing) == (403, 403)
    assert world.texts(REPORTER) == []
    assert await world.member(REPORTER) is None
    assert await world.count(processed_events) == 0
    assert await world.fake.post_webhook(update) == 200
    await world.settle(update)
    assert world.texts(REPORTER)[0].startswith("Welcome.")


@WEBHOOK
async def test_a_webhook_post_that_is_not_an_update_is_refused(world: World) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            world.fake.webhook_target,
            data=b"not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        ) as answer,
    ):
        assert answer.status == 400


# --- coordinators on Telegram -------------------------------------------------------------


async def test_a_coordinator_on_telegram_handles_a_concern_with_buttons(world: World) -> None:
    await world.enrol(COORDINATOR, Role.COORDINATOR)
    await world.enrol(REPORTER)
    reference = await world.share(REPORTER)

    alert = world.texts(COORDINATOR)[-1]
    assert alert.startswith("New concern shared")
    assert reference in alert
    assert "CANARY" not in alert
    _, buttons = world.keyboard(COORDINATOR)
    assert {"Acknowledge", "View details", "Ask reporter", "Update status"} <= set(buttons)

    await world.press(COORDINATOR, "Acknowledge")
    assert world.texts(REPORTER)[-1].startswith(f"Update on your concern {reference}: Acknowledged")

    await world.two_factor(COORDINATOR)  # Telegram has no login of its own: a second factor
    await world.press(COORDINATOR, "View details")
    assert ACCOUNT_TEXT[0] in world.texts(COORDINATOR)[-1]
    async with world.app.uow() as uow:
        rows = await uow.access_log.entries(concern_reference=reference)
    assert [(r.action, r.outcome) for r in rows if r.action == "view_details"] == [
        ("view_details", "ok")
    ]

    await world.press(COORDINATOR, "Ask reporter")
    await world.say(COORDINATOR, "Was this the first time you heard it?")
    question = world.texts(REPORTER)[-1]
    assert question.startswith(f"A coordinator has a question about your concern {reference}")
    assert question.endswith("Was this the first time you heard it?")
    await world.press(REPORTER, "Answer")
    await world.say(REPORTER, "No, twice before this month.")
    relayed = world.texts(COORDINATOR)[-1]
    assert relayed.startswith(f"The reporter answered your question about {reference}")
    assert relayed.endswith("No, twice before this month.")

    await world.press(COORDINATOR, "Update status")
    await world.press(COORDINATOR, "in_analysis")
    await world.say(COORDINATOR, "We discuss it in the case meeting on Thursday.")
    await world.press(COORDINATOR, "skip")  # no reason for colleagues
    await world.press(COORDINATOR, "yes")
    update = world.texts(REPORTER)[-1]
    assert update.startswith(f"Update on your concern {reference}: In analysis")
    assert update.endswith(
        "Note from the coordinator: We discuss it in the case meeting on Thursday."
    )
    assert world.answered() == world.pressed
    await world.say(REPORTER, "/status")
    assert "We discuss it in the case meeting on Thursday." in world.texts(REPORTER)[-1]


async def test_a_swipe_reply_to_the_question_answers_it_even_in_the_middle_of_a_new_share(
    world: World,
) -> None:
    await world.enrol(COORDINATOR, Role.COORDINATOR)
    await world.enrol(REPORTER)
    reference = await world.share(REPORTER)
    await world.press(COORDINATOR, "Ask reporter")
    await world.say(COORDINATOR, "Which class is it?")
    question = [m for m in world.fake.sent if m["chat"]["id"] == REPORTER][-1]
    assert question["text"].endswith("Which class is it?")
    await world.say(REPORTER, "/new")  # something else is under way
    replied = world.fake.replying_to(REPORTER, question["message_id"])
    await world.say(REPORTER, "Class 3B.", reply_to_message=replied)
    said = world.texts(REPORTER)[-2:]
    assert said[0] == (
        f"I passed that on as your answer to the coordinator's question about {reference}: "
        "“Which class is it?”. Thank you."
    )
    assert said[1].startswith("You are still in the middle of a conversation")
    relayed = world.texts(COORDINATOR)[-1]
    assert relayed.startswith(f"The reporter answered your question about {reference}")
    assert relayed.endswith("Class 3B.")
    dialog = await world.dialog(REPORTER)
    assert dialog is not None
    assert dialog.dialog == "share_concern"


async def test_a_swipe_reply_to_a_status_update_adds_to_that_concern(world: World) -> None:
    await world.enrol(COORDINATOR, Role.COORDINATOR)
    await world.enrol(REPORTER)
    reference = await world.share(REPORTER)
    await world.press(COORDINATOR, "Acknowledge")
    update = [m for m in world.fake.sent if m["chat"]["id"] == REPORTER][-1]
    assert update["text"].startswith(f"Update on your concern {reference}")
    replied = world.fake.replying_to(REPORTER, update["message_id"])
    await world.say(REPORTER, "CANARY-SWIPE: he was there again today.", reply_to_message=replied)
    assert world.texts(REPORTER)[-1] == (
        f"Added to {reference}. The coordinator has been told there is new information."
    )
    told = world.texts(COORDINATOR)[-1]
    assert told.startswith(f"New information on {reference} from the reporter.")
    assert "CANARY" not in told
    async with world.app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
        assert concern is not None
        assert concern.id is not None
        added = await uow.additions.of_concern(concern.id)
    assert [a.text for a in added] == ["CANARY-SWIPE: he was there again today."]


# --- discreet mode ------------------------------------------------------------------------

WIPED = (
    "Done: I removed my messages of the last 48 hours from this chat. Your concerns stay as they "
    "are; /status shows them. Older messages of mine the chat app no longer lets me remove; "
    "delete the chat in your app to remove those. /wipe again removes this message too."
)


def bot_messages(world: World, chat: int) -> list[int]:
    """The ids of the bot's messages in ``chat`` that are still there."""
    return [
        m["message_id"]
        for m in world.fake.sent
        if m["chat"]["id"] == chat and (chat, m["message_id"]) in world.fake.messages
    ]


async def test_wipe_removes_every_message_of_the_bots_in_the_chat_and_the_concern_stays(
    world: World,
) -> None:
    await world.enrol(REPORTER)
    reference = await world.share(REPORTER)
    before = bot_messages(world, REPORTER)
    assert len(before) > 10
    await world.say(REPORTER, "/wipe")
    assert world.texts(REPORTER)[-1] == WIPED
    assert {(REPORTER, m) for m in before} <= set(world.fake.deleted)
    left = bot_messages(world, REPORTER)
    assert len(left) == 1  # the short note itself
    await world.say(REPORTER, "/wipe")
    assert (REPORTER, left[0]) in world.fake.deleted
    async with world.app.uow() as uow:
        assert await uow.concerns.by_reference(reference) is not None


async def test_wipe_does_not_pretend_to_remove_messages_older_than_48_hours(world: World) -> None:
    await world.enrol(REPORTER)
    await world.share(REPORTER)
    old = bot_messages(world, REPORTER)
    world.clock.advance(hours=49)
    await world.say(REPORTER, "/status")
    status = bot_messages(world, REPORTER)[-1]
    await world.say(REPORTER, "/wipe")
    deleted = {m for chat, m in world.fake.deleted if chat == REPORTER}
    assert status in deleted
    assert not deleted & set(old)  # not even tried: the app refuses after 48 hours
    assert (
        "Older messages of mine the chat app no longer lets me remove" in world.texts(REPORTER)[-1]
    )


# --- secrets ------------------------------------------------------------------------------


async def test_the_bot_token_never_appears_in_the_logs_and_the_account_not_above_debug(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("", "aiohttp", "telegram"):  # whatever quietened them before
        caplog.set_level(logging.DEBUG, logger=name)
    await world.restart()  # so that start-up is logged at DEBUG too
    await world.enrol(REPORTER)
    world.fake.fail_next("sendMessage", ScriptedError(500, "Internal Server Error"))
    world.fake.fail_next("answerCallbackQuery", ScriptedError(400, "Bad Request: query is too old"))

    await world.say(REPORTER, "/new")
    world.clock.advance(minutes=5)
    await world.drain()
    await world.run_script(REPORTER, SHARE_PATH.after("start"))
    await world.stop()

    assert reference_in(world.texts(REPORTER))
    token = world.fake.token
    logged = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert token not in logged
    assert token.split(":")[1] not in logged
    assert WEBHOOK_SECRET not in logged
    # The library logged its requests (endpoints, parameters, errors) at DEBUG, and was heard.
    assert "telegram.ext.ExtBot" in {r.name for r in caplog.records}
    above_debug = [r for r in caplog.records if r.levelno > logging.DEBUG]
    assert not [r for r in above_debug if "CANARY" in r.getMessage() + (r.exc_text or "")]


async def test_an_acute_alert_reaches_the_coordinator_before_the_reporter_answers_again(
    world: World,
) -> None:
    await world.enrol(COORDINATOR, Role.COORDINATOR)
    await world.enrol(REPORTER)
    acute = share_path(acute=True)
    await world.run_script(REPORTER, acute.until("safety"))
    alerts = [m for m in world.fake.sent if m["chat"]["id"] == COORDINATOR and "ACUTE" in m["text"]]
    assert len(alerts) == 1
    assert alerts[0]["text"].startswith("ACUTE concern shared")
    # Delivered (each recipient has a lane of their own) before the reporter's next turn.
    told = next(m for m in world.fake.sent if "The acute alert has gone out" in m["text"])
    assert "1 coordinator of" in told["text"]
    await world.run_script(REPORTER, acute.after("safety"))
    assert reference_in(world.texts(REPORTER)) in alerts[0]["text"]
    assert all("CANARY" not in text for text in world.texts(COORDINATOR))
