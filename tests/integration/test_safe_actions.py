"""Safe actions at the coordinator's terminal: an alert that arrives while the coordinator is
in the middle of a dialog never takes the number typed for that dialog (the real console
adapter and the real core, on one SQLite file)."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from adapters.console.chat import ConsoleAdapter
from bot.app.composition import App
from bot.channels.events import Address, InboundEvent
from bot.channels.replies import Outgoing, Reply
from bot.delivery.worker import Deliverer
from bot.domain.model import Role
from bot.testing import RecordingOutlet, join
from tests.integration.conftest import share, status_of

CARLA = "carla"
WAIT = 10.0


@dataclass
class Terminal(RecordingOutlet):
    """The console channel: Carla's messages print in her terminal, the others are recorded."""

    console: ConsoleAdapter | None = None
    carla: list[Reply] = field(default_factory=list)

    async def send(self, reply: Outgoing) -> None:
        """Print Carla's messages in her terminal; record everyone's."""
        await super().send(reply)
        if self.console is not None and reply.to.user_id == CARLA:
            await self.console.send(reply)


class Sink:
    """The core as the terminal's sink; each typed line's turn is reported when settled."""

    def __init__(self, app: App, deliverer: Deliverer) -> None:
        self.app, self.deliverer = app, deliverer
        self.turns: asyncio.Queue[None] = asyncio.Queue()

    async def handle(self, event: InboundEvent) -> None:
        await self.app.bot.handle(event)

    async def respond(self, event: InboundEvent) -> list[Reply]:
        raise AssertionError("the terminal does not answer in place")

    async def shown(self, to: Address, slot: str, shown_id: str, reference: str) -> None:
        raise AssertionError("the terminal shows no forms")

    async def settle(self) -> None:
        await self.deliverer.deliver_due()
        self.turns.put_nowait(None)


@dataclass
class Desk:
    """Carla at her terminal, and a writer for what she types."""

    console: ConsoleAdapter
    out: io.StringIO
    sink: Sink
    typing: io.TextIOWrapper

    async def type(self, line: str) -> str:
        """Type a line and wait until its turn is handled; what was printed meanwhile."""
        before = len(self.out.getvalue())
        self.typing.write(line + "\n")
        self.typing.flush()
        await asyncio.wait_for(self.sink.turns.get(), WAIT)
        return self.out.getvalue()[before:]


@pytest.fixture
async def desk(app: App, outlet: RecordingOutlet) -> AsyncIterator[Desk]:
    """Carla, a coordinator, at a console terminal on the test's database."""
    read, write = os.pipe()
    out = io.StringIO()
    console = ConsoleAdapter(CARLA, os.fdopen(read, "r", encoding="utf-8"), out, language="en")
    assert isinstance(outlet, Terminal)
    outlet.console = console
    await join(app, outlet, CARLA, Role.COORDINATOR)
    deliverer = Deliverer(app.uow, {outlet.name: outlet}, app.clock, app.settings.outbox)
    sink = Sink(app, deliverer)
    await console.start(sink)
    await asyncio.wait_for(sink.turns.get(), WAIT)  # what was due before the first line
    typing = os.fdopen(write, "w", encoding="utf-8")
    yield Desk(console, out, sink, typing)
    typing.close()
    await asyncio.wait_for(console.finished.wait(), WAIT)


@pytest.fixture
def outlet() -> RecordingOutlet:
    """The console channel, with Carla's terminal behind it."""
    return Terminal()


@pytest.mark.xfail(strict=True, reason="issue 17: the alert's Acknowledge takes the number")
async def test_a_number_typed_for_the_open_status_menu_never_acknowledges_an_arriving_alert(
    app: App, outlet: RecordingOutlet, desk: Desk
) -> None:
    first = await join(app, outlet, "Rita-Reporter-q9")
    second = await join(app, outlet, "Bert-Reporter-x4")
    concern_a = await share(first)
    await desk.type(f"/show {concern_a}")
    shown = await desk.type("5")  # Update status
    assert f"{concern_a} is now" in shown
    told_before = len(outlet.to(second.address.user_id))
    concern_b = await share(second)
    assert concern_b in desk.out.getvalue()  # B's alert arrived in Carla's terminal

    await desk.type("1")

    assert await status_of(app, concern_b) == "received"
    told = [r.text for r in outlet.to(second.address.user_id)[told_before:]]
    assert not any("acknowledged" in text.lower() for text in told[1:]), told
    assert await status_of(app, concern_a) == "received"
