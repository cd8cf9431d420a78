"""Test doubles shipped with the code: a fake clock, a recording outlet, a scripted chat."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.app.composition import App, bootstrap
from bot.app.config import Settings, load_settings
from bot.channels.events import Address, ChoiceMade, InboundEvent, Sender, parse_text
from bot.channels.protocol import Capability
from bot.channels.replies import Outgoing, Removal, Reply
from bot.delivery.outcomes import DeliveryError
from bot.delivery.worker import Deliverer
from bot.domain.model import Member, Role
from bot.share_script import share_path
from bot.storage.crypto import Cipher, KeyRing
from bot.usecases.enrolment import enrol_local

TEST_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """The current fake time."""
        return self._now

    def advance(self, **delta: float) -> None:
        """Move time forward, e.g. ``advance(minutes=16)``."""
        self._now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        """Jump to ``moment``."""
        self._now = moment


def fixed_cipher(key_id: str = "test") -> Cipher:
    """A cipher with a fixed, well-known key: for tests only."""
    return Cipher(KeyRing.parse(f"{key_id}:{TEST_KEY}"))


@dataclass
class RecordingOutlet:
    """An outlet that records what it was asked to deliver; can be told to fail."""

    name: str = "console"
    capabilities: frozenset[Capability] = frozenset({Capability.OWN_LOGIN})
    """What the channel it stands for declares (by default the terminal's own login)."""
    sent: list[Reply] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)

    async def send(self, reply: Outgoing) -> None:
        """Record ``reply``, or raise the next queued failure."""
        if self.failures:
            raise self.failures.pop(0)
        if isinstance(reply, Removal):
            self.removals.append(reply)
        elif isinstance(reply, Reply):
            self.sent.append(reply)

    def to(self, user_id: str) -> list[Reply]:
        """Everything delivered to one recipient, in order."""
        return [r for r in self.sent if r.to.user_id == user_id]


POSTGRES_ENV = "CONCERNBOT_TEST_POSTGRES_URL"
"""When set (to a server URL), tests run against PostgreSQL instead of SQLite files."""


CREATED_DATABASES: set[str] = set()
"""PostgreSQL databases this test run created (dropped at its end)."""


def database_url(database: Path) -> str:
    """The URL of the test database named after ``database``: that SQLite file, or (with
    $CONCERNBOT_TEST_POSTGRES_URL) a PostgreSQL database of its own, created on first use."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        return f"sqlite:///{database}"
    import psycopg  # only needed when testing against PostgreSQL

    name = "cb_" + hashlib.sha1(str(database.resolve()).encode()).hexdigest()[:20]
    admin = make_url(server)
    plain = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists is None:
            connection.execute(f'CREATE DATABASE "{name}"')
            CREATED_DATABASES.add(name)
    return admin.set(database=name).render_as_string(hide_password=False)


def using_postgres() -> bool:
    """True when this test run targets PostgreSQL."""
    return bool(os.environ.get(POSTGRES_ENV))


def example_settings(database: Path, config: Path | None = None) -> Settings:
    """The example configuration with the database moved to ``database`` (see database_url)."""
    path = config or Path(__file__).resolve().parent.parent / "config.example.toml"
    return load_settings(path, {"CONCERNBOT_DATABASE_URL": database_url(database)})


@dataclass
class Chat:
    """One member talking to the bot through the recording outlet."""

    app: App
    outlet: RecordingOutlet
    deliverer: Deliverer
    member: Member

    @property
    def address(self) -> Address:
        """Where this member is reached."""
        return Address(self.outlet.name, self.member.display_name)

    async def send(self, event: InboundEvent) -> list[Reply]:
        """Hand an event to the bot, deliver the outbox, return the replies to this member."""
        before = len(self.outlet.to(self.address.user_id))
        await self.app.bot.handle(event, self.outlet.capabilities)
        await self.deliverer.deliver_due()
        return self.outlet.to(self.address.user_id)[before:]

    async def say(self, text: str) -> list[Reply]:
        """Type a line of text (``/commands`` become commands)."""
        return await self.send(parse_text(Sender(self.address), text))

    async def pick(self, label_or_id: str) -> list[Reply]:
        """Pick a choice of the last message that had choices, by id or label."""
        last = self.last_with_choices()
        for choice in last.choices:
            if label_or_id in (choice.id, choice.label):
                return await self.send(ChoiceMade(Sender(self.address), choice.id, last.nonce))
        raise AssertionError(f"no choice {label_or_id!r} in {[c.label for c in last.choices]}")

    async def script(self, lines: Sequence[str]) -> list[Reply]:
        """Say each line in turn; lines starting with '#' pick a choice by label or id."""
        replies: list[Reply] = []
        for line in lines:
            replies += await (self.pick(line[1:]) if line.startswith("#") else self.say(line))
        return replies

    def last_with_choices(self) -> Reply:
        """The newest message to this member that offered choices."""
        for reply in reversed(self.outlet.to(self.address.user_id)):
            if reply.choices:
                return reply
        raise AssertionError("no message with choices yet")


async def start_app(settings: Settings, clock: FakeClock) -> App:
    """Bootstrap the real bot on the settings' database with the test key."""
    return await bootstrap(settings, clock=clock, cipher=fixed_cipher(), environ={})


async def join(
    app: App, outlet: RecordingOutlet, name: str, role: Role = Role.REPORTER, language: str = "en"
) -> Chat:
    """Enrol ``name`` as a local member and return a chat for them."""
    address = Address(outlet.name, name)
    async with app.uow() as uow:
        member = await enrol_local(
            uow, app.settings, address, role, name, language, app.clock.now()
        )
        await uow.commit()
    deliverer = Deliverer(app.uow, {outlet.name: outlet}, app.clock, app.settings.outbox)
    return Chat(app, outlet, deliverer, member)


SHARE_SCRIPT: tuple[str, ...] = share_path().lines()
"""A complete share-a-concern conversation, ending with the confirmation."""
