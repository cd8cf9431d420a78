"""Step-up authentication (issue 17): a code from an authenticator app before a concern's
details open on a channel without a login of its own; the clock is the test's, the codes
are pyotp's own for that moment. The channel here is a recording outlet that declares what
Telegram declares (nothing) or what Slack declares; tests/integration/test_step_up_telegram.py
goes through the fake Telegram Bot API."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from adapters.slack.channel import SlackAdapter
from adapters.telegram.channel import TelegramAdapter
from bot.app.composition import App
from bot.channels.protocol import Capability
from bot.delivery.worker import Deliverer
from bot.domain.model import Role
from bot.security.codes import LOCK_AFTER
from bot.share_script import FACTS
from bot.storage.crypto import Cipher, KeyRing
from bot.storage.rotation import rotate
from bot.storage.tables import access_log as access_log_table
from bot.storage.tables import totp_secrets
from bot.testing import TEST_KEY, Chat, FakeClock, RecordingOutlet, join
from tests.integration.conftest import access_log, act, share, texts
from tests.integration.test_encryption_at_rest import disk_files, plain_canaries

SECRET = re.compile(r"secret=([A-Z2-7]+)")


@dataclass
class Desk:
    """A reporter on the terminal and a coordinator on a channel that declares nothing."""

    app: App
    clock: FakeClock
    reporter: Chat
    carl: Chat
    phone: RecordingOutlet

    @property
    def carl_id(self) -> int:
        """Carl's member id."""
        assert self.carl.member.id is not None
        return self.carl.member.id

    def code(self, secret: str, seconds: float = 0) -> str:
        """The code the authenticator app shows now (or ``seconds`` from now)."""
        return pyotp.TOTP(secret).at(self.clock.now().timestamp() + seconds)

    async def enrol(self) -> str:
        """Carl sets up his app with /2fa and its first code; returns the secret."""
        shown = texts(await self.carl.say("/2fa"))
        found = SECRET.search(shown)
        assert found is not None
        done = texts(await self.carl.say(self.code(found.group(1))))
        assert "Done: your second factor is active." in done
        return found.group(1)

    async def rows(self, action: str) -> list[str]:
        """The outcomes of the access-log rows of ``action``, oldest first."""
        return [e.outcome for e in await access_log(self.app) if e.action == action]


async def desk_with(app: App, clock: FakeClock, capabilities: frozenset[Capability]) -> Desk:
    """The desk, Carl's channel declaring ``capabilities``; one deliverer serves both."""
    console = RecordingOutlet()
    phone = RecordingOutlet("telegram", capabilities=capabilities)
    reporter = await join(app, console, "Rita-Reporter-q9")
    carl = await join(app, phone, "Carl", Role.COORDINATOR)
    deliverer = Deliverer(
        app.uow, {"console": console, "telegram": phone}, clock, app.settings.outbox
    )
    reporter.deliverer = carl.deliverer = deliverer
    return Desk(app, clock, reporter, carl, phone)


@pytest.fixture
async def desk(app: App, clock: FakeClock) -> Desk:
    """Carl on a channel without a login of its own (as Telegram declares)."""
    return await desk_with(app, clock, TelegramAdapter.capabilities)


def test_slack_and_the_terminal_declare_their_own_login_and_telegram_does_not() -> None:
    from adapters.console.chat import ConsoleAdapter

    assert Capability.OWN_LOGIN in SlackAdapter.capabilities
    assert Capability.OWN_LOGIN in ConsoleAdapter.capabilities
    assert Capability.OWN_LOGIN not in TelegramAdapter.capabilities


async def test_a_coordinator_without_a_second_factor_is_refused_with_instructions(
    desk: Desk,
) -> None:
    reference = await share(desk.reporter)

    said = texts(await act(desk.carl, "details", reference))

    assert FACTS not in said
    assert "you need a second factor" in said
    assert "/2fa" in said
    assert await desk.rows("view_details") == []
    refused = [e for e in await access_log(desk.app, reference) if e.action == "step_up"]
    assert [(e.outcome, e.actor_member_id) for e in refused] == [("not_enrolled", desk.carl_id)]


async def test_slack_does_not_ask_for_a_code(app: App, clock: FakeClock) -> None:
    desk = await desk_with(app, clock, SlackAdapter.capabilities)
    reference = await share(desk.reporter)

    said = texts(await act(desk.carl, "details", reference))

    assert FACTS in said
    assert await desk.rows("step_up") == []
    assert await desk.rows("view_details") == ["ok"]


async def test_enrolment_shows_the_link_and_key_and_is_active_only_after_a_right_code(
    desk: Desk,
) -> None:
    reference = await share(desk.reporter)
    shown = texts(await desk.carl.say("/2fa"))
    found = SECRET.search(shown)
    assert found is not None
    secret = found.group(1)
    assert "otpauth://totp/concernbot:Carl?" in shown
    assert "issuer=concernbot" in shown
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in shown  # for typing by hand
    async with desk.app.uow() as uow:
        pending = await uow.totp.get(desk.carl_id)
    assert pending is not None
    assert not pending.active

    wrong = f"{(int(desk.code(secret)) + 1) % 1_000_000:06d}"
    again = texts(await desk.carl.say(wrong))
    assert "That code is not right" in again
    assert "Type the 6-digit code" in again
    assert FACTS not in texts(await act(desk.carl, "details", reference))  # not active yet

    done = texts(await desk.carl.say(desk.code(secret)))

    assert "Done: your second factor is active." in done
    assert "15 minutes" in done
    assert FACTS in texts(await act(desk.carl, "details", reference))  # a right code just now
    assert await desk.rows("totp_enrol") == ["started", "ok"]
    assert await desk.rows("totp_code") == ["wrong", "ok"]
    async with desk.app.engine.connect() as connection:
        logged = [str(tuple(r)) for r in await connection.execute(select(access_log_table))]
    assert not [row for row in logged if wrong in row or desk.code(secret) in row]


async def test_stopping_an_enrolment_forgets_the_secret(desk: Desk) -> None:
    await desk.carl.say("/2fa")
    assert "Nothing was changed." in texts(await desk.carl.say("/cancel"))
    async with desk.app.uow() as uow:
        assert await uow.totp.get(desk.carl_id) is None
    assert await desk.rows("totp_enrol") == ["started", "cancelled"]


async def test_after_the_idle_time_a_code_is_asked_and_the_details_open_after_it(
    desk: Desk,
) -> None:
    secret = await desk.enrol()
    reference = await share(desk.reporter)
    desk.clock.advance(minutes=14)
    assert FACTS in texts(await act(desk.carl, "details", reference))

    desk.clock.advance(minutes=2)  # 16 minutes after the last right code
    asked = texts(await act(desk.carl, "details", reference))
    assert FACTS not in asked
    assert "Type the 6 digits" in asked
    async with desk.app.uow() as uow:
        waiting = await uow.dialogs.load(desk.carl_id)
    assert waiting is not None
    assert dict(waiting.answers) == {"_action": "details", "_argument": reference}

    opened = texts(await desk.carl.say(desk.code(secret)))

    assert FACTS in opened
    assert await desk.rows("step_up") == ["asked"]
    assert await desk.rows("view_details") == ["ok", "ok"]
    coded = [e for e in await access_log(desk.app, reference) if e.action == "totp_code"]
    assert [e.outcome for e in coded] == ["ok"]  # the code that opened this concern


async def test_five_wrong_codes_lock_for_fifteen_minutes_and_every_try_is_logged(
    desk: Desk,
) -> None:
    secret = await desk.enrol()
    reference = await share(desk.reporter)
    desk.clock.advance(minutes=20)
    await act(desk.carl, "details", reference)
    wrong = f"{(int(desk.code(secret)) + 1) % 1_000_000:06d}"
    for attempt in range(1, LOCK_AFTER):
        said = texts(await desk.carl.say(wrong))
        assert f"({LOCK_AFTER - attempt} left)" in said

    locked = texts(await desk.carl.say(wrong))
    assert "Too many wrong codes" in locked
    # Locked: the right code is not taken, and pressing again is refused without asking.
    desk.clock.advance(minutes=1)
    assert "not accepted until" in texts(await act(desk.carl, "details", reference))
    assert "I am not asking you anything" in texts(await desk.carl.say(desk.code(secret)))

    desk.clock.advance(minutes=15)
    await act(desk.carl, "details", reference)
    assert FACTS in texts(await desk.carl.say(desk.code(secret)))
    assert await desk.rows("totp_code") == ["ok", *["wrong"] * (LOCK_AFTER - 1), "lockout", "ok"]
    assert await desk.rows("step_up") == ["asked", "locked", "asked"]


async def test_a_code_is_taken_once(desk: Desk) -> None:
    secret = await desk.enrol()
    used = desk.code(secret)

    await desk.carl.say("/2fa off")
    said = texts(await desk.carl.say(used))  # the same time-step as the enrolment's code

    assert "That code was already used" in said
    async with desk.app.uow() as uow:
        assert await uow.totp.get(desk.carl_id) is not None
    desk.clock.advance(seconds=30)
    assert "turned off" in texts(await desk.carl.say(desk.code(secret)))
    async with desk.app.uow() as uow:
        assert await uow.totp.get(desk.carl_id) is None
    assert await desk.rows("totp_code") == ["ok", "replay", "ok"]
    assert await desk.rows("totp_off") == ["ok"]


@pytest.mark.sqlite_only
async def test_the_secret_is_sealed_on_disk_and_key_rotation_reseals_it(
    desk: Desk, database: Path
) -> None:
    secret = await desk.enrol()
    async with desk.app.engine.connect() as connection:
        stored = (await connection.execute(select(totp_secrets.c.secret_enc))).scalar_one()
    assert stored.startswith("v1$test$")
    files = disk_files(database)
    assert (
        plain_canaries(files, [secret, " ".join(secret[i : i + 4] for i in range(0, 32, 4))]) == []
    )

    other = base64.urlsafe_b64encode(bytes(range(64, 96))).decode()
    ring = Cipher(KeyRing.parse(f"fresh:{other},test:{TEST_KEY}"))
    await rotate(desk.app.engine, ring)

    async with desk.app.engine.connect() as connection:
        rotated = (await connection.execute(select(totp_secrets.c.secret_enc))).scalar_one()
    assert rotated.startswith("v1$fresh$")
    assert ring.open(rotated, "totp_secrets.secret") == secret


async def test_mydata_says_since_when_a_second_factor_is_set_up_and_forgetme_erases_it(
    desk: Desk,
) -> None:
    secret = await desk.enrol()

    (reply,) = await desk.carl.say("/mydata")

    assert reply.attachment is not None
    exported = json.loads(reply.attachment.data.decode())
    assert exported["member"]["second_factor_since"] == desk.clock.now().isoformat()
    assert secret not in reply.attachment.data.decode()  # a credential, not data to hand out
    await desk.carl.say("/forgetme")
    await desk.carl.pick("yes")
    async with desk.app.uow() as uow:
        assert await uow.totp.get(desk.carl_id) is None


async def test_the_case_sheet_asks_a_code_first_and_its_questions_follow_a_right_one(
    desk: Desk,
) -> None:
    secret = await desk.enrol()
    reference = await share(desk.reporter)
    desk.clock.advance(minutes=20)

    asked = texts(await desk.carl.say(f"/casesheet {reference}"))

    assert "Type the 6 digits" in asked
    assert "What should it include" not in asked
    assert await desk.rows("export_casesheet") == []
    sheet = texts(await desk.carl.say(desk.code(secret)))
    assert "What should it include" in sheet
    assert FACTS not in sheet
    assert await desk.rows("step_up") == ["asked"]
