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
from bot.app.composition import App, default_flows
from bot.channels.events import Address, Sender, parse_text
from bot.channels.replies import Outgoing, Reply
from bot.conversation.core import Bot
from bot.delivery.outcomes import DeliveryError
from bot.delivery.worker import Deliverer
from bot.settings import OutboxSettings, Settings
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
    with caplog.at_level(logging.WARNING, logger="bot.delivery.worker"):
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
    assert report["warnings"] == ["1 message could not be delivered (dead letters)"]


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
    # As the composition root wires it: the bot's outbox signal wakes the worker.
    bot = Bot(app.uow, clock, app.settings, default_flows(), deliverer.wake)
    worker = asyncio.create_task(deliverer.run())
    try:
        await settled(deliverer)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await bot.handle(parse_text(Sender(ANNA), "/help"))
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


# Bounded claims, pipelined


class GatedOutlet:
    """Holds each send until its recipient's gate opens; notes what is on its way."""

    name = "console"

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.sent: list[Reply] = []
        self.most_at_once = 0
        self._open: set[str] = set()
        self._everyone = False
        self._changed = asyncio.Condition()

    @property
    def on_the_way(self) -> int:
        """Sends begun and not yet finished."""
        return len(self.entered) - len(self.sent)

    async def send(self, reply: Outgoing) -> str | None:
        """Wait for the recipient's gate, then record the delivery."""
        assert isinstance(reply, Reply)
        async with self._changed:
            self.entered.append(reply.to.user_id)
            self.most_at_once = max(self.most_at_once, self.on_the_way)
            self._changed.notify_all()
            await self._changed.wait_for(lambda: self._everyone or reply.to.user_id in self._open)
            self.sent.append(reply)
            self._changed.notify_all()
        return None

    async def open(self, *users: str) -> None:
        """Let the sends to ``users`` through (all of them when none are named)."""
        async with self._changed:
            self._open.update(users)
            self._everyone = self._everyone or not users
            self._changed.notify_all()

    async def until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds after some change (fails after a while)."""

        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(check(), 10)


def bounded(app: App, outlet: GatedOutlet, clock: FakeClock, most: int) -> Deliverer:
    """A worker that has at most ``most`` messages claimed and unsettled."""
    settings = dataclasses.replace(SETTINGS, max_in_flight=most)
    return Deliverer(app.uow, {"console": outlet}, clock, settings)


async def leased(app: App) -> int:
    """How many pending rows are claimed right now."""
    async with app.engine.connect() as connection:
        rows = await connection.execute(
            select(outbox.c.id).where(
                outbox.c.state == "pending", outbox.c.claimed_until.is_not(None)
            )
        )
        return len(rows.all())


async def queue_many(app: App, users: int, each: int = 1) -> None:
    """Commit ``each`` numbered messages to each of ``users`` recipients, round by round."""
    async with app.uow() as uow:
        for n in range(each):
            for user in range(users):
                await uow.outbox.add(Reply(Address("console", f"u{user}"), f"{n}"), app.clock.now())
        await uow.commit()


async def test_a_pass_claims_no_more_than_max_in_flight_at_a_time(
    app: App, clock: FakeClock
) -> None:
    await queue_many(app, 100)
    outlet = GatedOutlet()
    deliverer = bounded(app, outlet, clock, most=10)

    delivering = asyncio.create_task(deliverer.deliver_due())
    await outlet.until(lambda: len(outlet.entered) == 10)
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(outlet.entered) == 10
    assert await leased(app) == 10
    await outlet.open()

    assert await asyncio.wait_for(delivering, 10) == 100
    assert outlet.most_at_once == 10
    assert sorted(r.to.user_id for r in outlet.sent) == sorted(f"u{n}" for n in range(100))
    assert await deliverer.pending() == 0


async def test_more_are_claimed_as_sends_finish_not_after_the_whole_batch(
    app: App, clock: FakeClock
) -> None:
    await queue_many(app, 30)
    outlet = GatedOutlet()
    deliverer = bounded(app, outlet, clock, most=10)

    delivering = asyncio.create_task(deliverer.deliver_due())
    await outlet.until(lambda: len(outlet.entered) == 10)
    await outlet.open(*outlet.entered[:5])

    # Five finished, five still on their way: five more are claimed and begun at once.
    await outlet.until(lambda: len(outlet.entered) == 15)
    assert len(outlet.sent) == 5
    await outlet.open()
    assert await asyncio.wait_for(delivering, 10) == 30


async def test_a_recipient_whose_send_hangs_does_not_hold_up_the_others(
    app: App, clock: FakeClock
) -> None:
    await queue_many(app, 40)
    outlet = GatedOutlet()
    deliverer = bounded(app, outlet, clock, most=4)
    await outlet.open(*(f"u{n}" for n in range(1, 40)))  # u0's send hangs

    delivering = asyncio.create_task(deliverer.deliver_due())
    await outlet.until(lambda: len(outlet.sent) == 39)
    assert not delivering.done()
    await outlet.open("u0")
    assert await asyncio.wait_for(delivering, 10) == 40


async def test_a_message_committed_while_a_send_hangs_is_claimed_at_once(
    app: App, clock: FakeClock
) -> None:
    outlet = GatedOutlet()
    deliverer = bounded(app, outlet, clock, most=4)
    worker = asyncio.create_task(deliverer.run())
    try:
        await queue(app, "hangs", Address("console", "u0"))
        deliverer.wake()
        await outlet.until(lambda: outlet.entered == ["u0"])
        # The pass waits on u0's send; a message for someone else, committed now, does not.
        await outlet.open("u1")
        await queue(app, "goes", Address("console", "u1"))
        deliverer.wake()
        await outlet.until(lambda: [r.to.user_id for r in outlet.sent] == ["u1"])
        await outlet.open("u0")
        await outlet.until(lambda: len(outlet.sent) == 2)
    finally:
        deliverer.stop()
        await asyncio.wait_for(worker, 10)


async def test_with_few_in_flight_each_recipient_still_gets_their_messages_in_order(
    app: App, clock: FakeClock
) -> None:
    await queue_many(app, 12, each=5)
    outlet = RecordingOutlet()

    class Shuffling(RecordingOutlet):
        """Finishes sends in a scrambled order (some yield to the loop more than others)."""

        async def send(self, reply: Outgoing) -> None:
            assert isinstance(reply, Reply)
            for _ in range((int(reply.text) * 3 + int(reply.to.user_id[1:])) % 7):
                await asyncio.sleep(0)
            await outlet.send(reply)

    settings = dataclasses.replace(SETTINGS, max_in_flight=3)
    deliverer = Deliverer(app.uow, {"console": Shuffling()}, clock, settings)

    assert await deliverer.deliver_due() == 60
    for user in range(12):
        assert [r.text for r in outlet.to(f"u{user}")] == ["0", "1", "2", "3", "4"]


async def test_stop_during_a_pass_lets_the_sends_on_their_way_finish_and_claims_no_more(
    app: App, clock: FakeClock
) -> None:
    await queue_many(app, 50)
    outlet = GatedOutlet()
    deliverer = bounded(app, outlet, clock, most=10)
    worker = asyncio.create_task(deliverer.run())
    await outlet.until(lambda: len(outlet.entered) == 10)

    deliverer.stop()
    await outlet.open()
    await asyncio.wait_for(worker, 10)

    assert len(outlet.sent) == 10
    assert await deliverer.pending() == 40
    assert await leased(app) == 0  # the rest were never claimed: another worker may take them
