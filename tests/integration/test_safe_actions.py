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
from tests.integration.conftest import access_log, act, share, status_of

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
    reading = os.fdopen(read, "r", encoding="utf-8")
    console = ConsoleAdapter(CARLA, reading, out, language="en")
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
    reading.close()


@pytest.fixture
def outlet() -> RecordingOutlet:
    """The console channel, with Carla's terminal behind it."""
    return Terminal()


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

    alert = desk.out.getvalue().rsplit(concern_b, 1)[0].rsplit("\n\n", 1)[-1]
    assert "1) Acknowledge" not in desk.out.getvalue().split(concern_b, 1)[1]
    assert "[Acknowledge]" in desk.out.getvalue().split(concern_b, 1)[1], alert

    answered = await desk.type("1")

    assert "feedback note for the reporter" in answered  # 1) Acknowledged, in A's menu
    assert await status_of(app, concern_b) == "received"
    told = [r.text for r in outlet.to(second.address.user_id)[told_before:]]
    assert not any("acknowledged" in text.lower() for text in told[1:]), told
    await desk.type("Skip")  # the note for the reporter
    await desk.type("Skip")  # the reason for colleagues
    await desk.type("1")  # Yes, update
    assert await status_of(app, concern_a) == "acknowledged"


async def test_after_the_dialog_the_held_back_alert_is_used_deliberately_by_its_name(
    app: App, outlet: RecordingOutlet, desk: Desk
) -> None:
    first = await join(app, outlet, "Rita-Reporter-q9")
    second = await join(app, outlet, "Bert-Reporter-x4")
    concern_a = await share(first)
    await desk.type(f"/show {concern_a}")
    await desk.type("5")  # Update status
    concern_b = await share(second)
    assert "type one of these options by its name" in desk.out.getvalue()
    for line in ("1", "Skip", "Skip", "1"):  # Acknowledged, no note, no reason, Yes, update
        await desk.type(line)
    assert await status_of(app, concern_a) == "acknowledged"
    told_before = len(outlet.to(second.address.user_id))

    said = await desk.type("Acknowledge")

    assert f"You acknowledged {concern_b}; the reporter has been told." in said
    assert await status_of(app, concern_b) == "acknowledged"
    assert any(concern_b in r.text for r in outlet.to(second.address.user_id)[told_before:])


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("en", "That option belongs to another message"),
        ("nl", "Die keuze hoort bij een ander bericht"),
    ],
)
async def test_a_button_of_another_concern_pressed_mid_dialog_is_refused_and_changes_nothing(
    app: App, outlet: RecordingOutlet, language: str, refusal: str
) -> None:
    reporter = await join(app, outlet, "Rita-Reporter-q9")
    coordinator = await join(app, outlet, "Carl-Coordinator", Role.COORDINATOR, language)
    concern_a = await share(reporter)
    concern_b = await share(reporter)
    await act(coordinator, "status", concern_a)
    menu = coordinator.last_with_choices()

    said = await act(coordinator, "ack", concern_b)  # a Telegram or Slack button on B's alert

    assert said[0].text.startswith(refusal)
    assert said[0].nonce == menu.nonce  # A's open step, shown again
    assert await status_of(app, concern_b) == "received"
    assert ("foreign_choice", "refused") in [(e.action, e.outcome) for e in await access_log(app)]
    await coordinator.pick(menu.choices[0].label)  # A's step still takes its own choice
    assert coordinator.last_with_choices().nonce != menu.nonce  # on to A's note step
