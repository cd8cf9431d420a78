"""Shared set-up for integration tests: the real bot on a SQLite file in tmp_path, a fake clock,
a recording outlet, and chats for a reporter and a coordinator."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.composition import App
from bot.channels.events import Address, ChoiceMade, Sender
from bot.channels.replies import Reply
from bot.delivery.worker import Deliverer
from bot.domain.model import AccessLogEntry, Member, Role
from bot.settings import Settings
from bot.share_script import FACTS, INTERPRETATION, share_path
from bot.storage.members import new_pseudonym
from bot.storage.tables import concerns
from bot.testing import (
    Chat,
    FakeClock,
    RecordingOutlet,
    example_settings,
    join,
    start_app,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"

SECOND_NETWORK = """

[[networks]]
id = "west"
name = "Netwerk West"

[[networks.organisations]]
id = "west-school"
name = "School West"
"""
"""A second network, appended to the example configuration."""

REFERENCE = re.compile(r"Reference: ([A-Z2-9]{3}-[A-Z2-9]{3})")


def share_script(
    *,
    facts: str = FACTS,
    interpretation: str = INTERPRETATION,
    counter_signals: str | None = None,
    acute: bool = False,
    contact: bool = True,
) -> list[str]:
    """The lines of a complete share-a-concern conversation (see ``Chat.script``)."""
    path = share_path(
        facts=facts,
        interpretation=interpretation,
        counter_signals=counter_signals,
        acute=acute,
        contact=contact,
    )
    return list(path.lines())


def reference_in(replies: Sequence[Reply]) -> str:
    """The reference code given in one of ``replies``."""
    for reply in replies:
        found = REFERENCE.search(reply.text)
        if found:
            return found.group(1)
    raise AssertionError(f"no reference in {[r.text[:60] for r in replies]}")


async def share(chat: Chat, script: Sequence[str] | None = None) -> str:
    """Share a concern through the whole dialog; return its reference."""
    return reference_in(await chat.script(script or share_script()))


async def act(chat: Chat, verb: str, argument: str) -> list[Reply]:
    """Press an action button such as ``act:details:K7Q-M3X`` (as a forged or stale button
    would, too: actions do not depend on the message they came with)."""
    return await chat.send(ChoiceMade(Sender(chat.address), f"act:{verb}:{argument}"))


def texts(replies: Sequence[Reply]) -> str:
    """Every reply's text, one after the other."""
    return "\n---\n".join(r.text for r in replies)


async def enrol(
    app: App,
    outlet: RecordingOutlet,
    name: str,
    role: Role,
    network_id: str,
    organisation_id: str,
) -> Chat:
    """Enrol ``name`` in any network (``join`` enrols in the console network only)."""
    member = Member(
        id=None,
        network_id=network_id,
        organisation_id=organisation_id,
        role=role,
        language="en",
        display_name=name,
        pseudonym=new_pseudonym(),
        created_at=app.clock.now(),
    )
    async with app.uow() as uow:
        await uow.members.add(member, Address(outlet.name, name))
        await uow.commit()
    deliverer = Deliverer(app.uow, {outlet.name: outlet}, app.clock, app.settings.outbox)
    return Chat(app, outlet, deliverer, member)


async def access_log(app: App, reference: str | None = None) -> list[AccessLogEntry]:
    """The access log, oldest first, optionally for one concern."""
    async with app.uow() as uow:
        return await uow.access_log.entries(concern_reference=reference)


async def status_of(app: App, reference: str) -> str:
    """The stored status of a concern, read straight from its row."""
    async with app.engine.connect() as connection:
        query = select(concerns.c.status).where(concerns.c.reference == reference)
        return str((await connection.execute(query)).scalar_one())


@pytest.fixture
def clock() -> FakeClock:
    """Time that only moves when a test says so (Monday 30 November 2026, 09:00 UTC)."""
    return FakeClock()


@pytest.fixture
def outlet() -> RecordingOutlet:
    """Records every message the outbox delivers on the console channel."""
    return RecordingOutlet()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """The SQLite file of this test."""
    return tmp_path / "concernbot.db"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The example configuration with a second network, ``west``."""
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + SECOND_NETWORK, encoding="utf-8")
    return path


@pytest.fixture
def settings(database: Path, config_file: Path) -> Settings:
    """Two networks; the console network (``demo``) is where ``join`` enrols people."""
    return example_settings(database, config_file)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    """The real bot on this test's database."""
    started = await start_app(settings, clock)
    yield started
    await started.close()


@pytest.fixture
async def reporter(app: App, outlet: RecordingOutlet) -> Chat:
    """A reporter of the demo network."""
    return await join(app, outlet, "Rita-Reporter-q9")


@pytest.fixture
async def coordinator(app: App, outlet: RecordingOutlet) -> Chat:
    """A coordinator of the demo network."""
    return await join(app, outlet, "Carl-Coordinator", Role.COORDINATOR)


@pytest.fixture
async def outsider(app: App, outlet: RecordingOutlet) -> Chat:
    """A coordinator of the other network, ``west``."""
    return await enrol(app, outlet, "Wes-West", Role.COORDINATOR, "west", "west-school")
