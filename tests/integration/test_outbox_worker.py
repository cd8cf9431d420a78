"""The outbox worker beyond tests/integration/test_outbox.py: jitter injected per attempt, the
dead-letter log line and health warning, and waking as soon as a message is committed."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.service import Service
from bot.bootstrap import App
from bot.config import OutboxSettings, Settings
from bot.delivery import DeliveryError
from bot.events import Address, Sender, parse_text
from bot.outbox import Deliverer
from bot.replies import Outgoing, Reply
from bot.storage.tables import outbox
from bot.testing import FakeClock, RecordingOutlet, example_settings, join, start_app

ANNA = Address("console", "anna")
SETTINGS = OutboxSettings(
    max_attempts=5, base_backoff_seconds=2.0, max_backoff_seconds=20.0, poll_seconds=60.0
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    example = example_settings(tmp_path / "outbox.db")
    return dataclasses.replace(example, outbox=SETTINGS)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    app = await start_app(settings, clock)
    yield app
    await app.close()


def fixed(*values: float) -> Callable[[], float]:
    """A jitter function returning ``values`` in turn, then the last one again."""
    queue = list(values)

    def jitter() -> float:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return jitter


async def queue(app: App, text: str, to: Address = ANNA) -> int:
    """Commit one message for ``to``; returns its outbox id."""
    async with app.uow() as uow:
        item = await uow.outbox.add(Reply(to, text), app.clock.now())
        await uow.commit()
    return item


@dataclass(frozen=True)
class Row:
    """An outbox row as stored."""

    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


async def row(app: App, item: int) -> Row:
    async with app.engine.connect() as connection:
        found = (await connection.execute(select(outbox).where(outbox.c.id == item))).one()
    moment = found.next_attempt_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=app.clock.now().tzinfo)
    return Row(found.state, found.attempts, moment, found.last_error)


def failing(times: int, error: Callable[[], DeliveryError] = DeliveryError) -> RecordingOutlet:
    """An outlet whose next ``times`` sends fail with ``error()``."""
    return RecordingOutlet(failures=[error() for _ in range(times)])


# Backoff


async def test_each_failed_attempt_waits_exponentially_longer_with_the_injected_jitter(
    app: App, clock: FakeClock
) -> None:
    outlet = failing(3)
    jitters = (0.0, 0.5, 0.9)
    deliverer = Deliverer(app.uow, {"console": outlet}, clock, SETTINGS, jitter=fixed(*jitters))
    item = await queue(app, "hello")
    waits = []
    for attempt, jitter in enumerate(jitters, start=1):
        sent_at = clock.now()
        assert await deliverer.deliver_due() == 1
        stored = await row(app, item)
        assert (stored.state, stored.attempts, stored.last_error) == (
            "pending",
            attempt,
            "DeliveryError",
        )
        wait = (stored.next_attempt_at - sent_at).total_seconds()
        assert wait == pytest.approx(2.0 * 2 ** (attempt - 1) * (0.5 + jitter))
        waits.append(wait)
        # Nothing is tried again before its time ...
        clock.advance(seconds=wait - 0.01)
        assert await deliverer.deliver_due() == 0
        clock.advance(seconds=0.01)
    assert waits == sorted(waits)
    # ... and at its time it goes out.
    assert await deliverer.deliver_due() == 1
    assert [r.text for r in outlet.sent] == ["hello"]
    assert (await row(app, item)).state == "sent"


# Dead letters


@pytest.fixture
def outbox_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        yield caplog


async def fail_until_dead(app: App, clock: FakeClock, outlet: RecordingOutlet) -> int:
    """Queue a message that fails every attempt; return its id once it is a dead letter."""
    deliverer = Deliverer(app.uow, {"console": outlet}, clock, SETTINGS, jitter=fixed(0.5))
    item = await queue(app, "CANARY-OUTBOX secret words")
    for _ in range(SETTINGS.max_attempts):
        await deliverer.deliver_due()
        clock.advance(seconds=SETTINGS.max_backoff_seconds * 2)
    return item


async def test_a_message_becomes_a_dead_letter_after_max_attempts_with_a_log_line(
    app: App, clock: FakeClock, outbox_log: pytest.LogCaptureFixture
) -> None:
    outlet = failing(100)
    item = await fail_until_dead(app, clock, outlet)
    stored = await row(app, item)
    assert (stored.state, stored.attempts) == ("dead", SETTINGS.max_attempts)
    assert len(outlet.failures) == 100 - SETTINGS.max_attempts
    lines = [r for r in outbox_log.records if "dead letter" in r.getMessage()]
    assert [r.levelno for r in lines] == [logging.ERROR]
    assert lines[0].getMessage() == f"outbox {item}: dead letter after 5 attempts (DeliveryError)"
    assert all("CANARY" not in r.getMessage() for r in outbox_log.records)


async def test_no_log_line_says_dead_letter_before_the_last_attempt(
    app: App, clock: FakeClock, outbox_log: pytest.LogCaptureFixture
) -> None:
    outlet = failing(SETTINGS.max_attempts - 1)
    item = await fail_until_dead(app, clock, outlet)
    assert (await row(app, item)).state == "sent"
    assert not [r for r in outbox_log.records if "dead letter" in r.getMessage()]


async def test_health_reports_dead_letters_with_a_warning(
    app: App, clock: FakeClock, settings: Settings
) -> None:
    service = Service(settings, {})
    service.app = app
    healthy = await service.health()
    assert healthy["ok"] is True
    assert healthy["dead_letters"] == 0
    assert "warnings" not in healthy

    await fail_until_dead(app, clock, failing(100))
    report = await service.health()
    assert report["ok"] is True
    assert report["dead_letters"] == 1
    assert report["warnings"] == ["1 message(s) could not be delivered (dead letters)"]


# Waking


@dataclass
class SignallingOutlet:
    """Records replies and sets an event when one arrives."""

    name: str = "console"
    sent: list[Outgoing] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, reply: Outgoing) -> str | None:
        """Record ``reply`` and signal its arrival."""
        self.sent.append(reply)
        self.arrived.set()
        return None


class ProbedDeliverer(Deliverer):
    """A worker that says when it finished a delivery pass."""

    passes = 0

    async def deliver_due(self) -> int:
        """Deliver as usual, then count the pass."""
        handled = await super().deliver_due()
        self.passes += 1
        return handled


async def settled(deliverer: ProbedDeliverer) -> None:
    """Wait until the worker finished its first (empty) pass and went to sleep."""
    for _ in range(10_000):
        if deliverer.passes:
            break
        await asyncio.sleep(0.001)
    assert deliverer.passes == 1
    await asyncio.sleep(0)  # from the end of the pass straight into the wait
    assert await deliverer.pending() == 0
    assert deliverer.passes == 1


async def test_the_worker_wakes_on_wake_without_waiting_for_the_poll_interval(
    app: App, clock: FakeClock
) -> None:
    outlet = SignallingOutlet()
    deliverer = ProbedDeliverer(app.uow, {"console": outlet}, clock, SETTINGS)
    worker = asyncio.create_task(deliverer.run())
    try:
        await settled(deliverer)
        loop = asyncio.get_running_loop()
        await queue(app, "hello")
        started = loop.time()
        deliverer.wake()
        await asyncio.wait_for(outlet.arrived.wait(), SETTINGS.poll_seconds / 6)
        assert loop.time() - started < 5.0  # poll_seconds is 60
    finally:
        deliverer.stop()
        await asyncio.wait_for(worker, 10)
    assert [r.to for r in outlet.sent] == [ANNA]


async def test_a_turn_committed_by_the_bot_wakes_the_worker(app: App, clock: FakeClock) -> None:
    recorder = RecordingOutlet()
    await join(app, recorder, "anna")
    outlet = SignallingOutlet()
    deliverer = ProbedDeliverer(app.uow, {"console": outlet}, clock, SETTINGS)
    app.outbox_changed.connect(deliverer.wake)
    worker = asyncio.create_task(deliverer.run())
    try:
        await settled(deliverer)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await app.bot.handle(parse_text(Sender(ANNA), "/help"))
        await asyncio.wait_for(outlet.arrived.wait(), SETTINGS.poll_seconds / 6)
        assert loop.time() - started < 5.0
    finally:
        deliverer.stop()
        await asyncio.wait_for(worker, 10)


async def test_stop_ends_a_sleeping_worker_at_once(app: App, clock: FakeClock) -> None:
    deliverer = ProbedDeliverer(app.uow, {"console": SignallingOutlet()}, clock, SETTINGS)
    worker = asyncio.create_task(deliverer.run())
    await settled(deliverer)
    deliverer.stop()
    await asyncio.wait_for(worker, SETTINGS.poll_seconds / 6)
