"""The outbox: committed messages are delivered in order, retried with backoff, never lost,
never delivered twice."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.app.composition import App
from bot.channels.events import Address, ChoiceMade, Sender, parse_text
from bot.channels.replies import Outgoing, Reply
from bot.delivery.outcomes import DeliveryError, Rejected, RetryLater, Unreachable
from bot.delivery.retry_policy import backoff_seconds
from bot.delivery.worker import Deliverer
from bot.settings import OutboxSettings, Settings
from bot.storage.outbox import LEASE
from bot.storage.tables import outbox
from bot.testing import Chat, FakeClock, RecordingOutlet, join, start_app
from tests.integration.conftest import share_script

OUTBOX = OutboxSettings(max_attempts=3, base_backoff_seconds=10.0, max_backoff_seconds=300.0)
ANNA = Address("console", "anna")
BOB = Address("console", "bob")


def no_jitter() -> float:
    """The middle of the jitter range: the backoff is exactly base·2^(attempts-1)."""
    return 0.5


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Three attempts, ten seconds' base backoff."""
    return dataclasses.replace(settings, outbox=OUTBOX)


@pytest.fixture
def deliverer(app: App, outlet: RecordingOutlet) -> Deliverer:
    """A worker for the console channel whose backoff has no randomness."""
    return Deliverer(app.uow, {outlet.name: outlet}, app.clock, OUTBOX, jitter=no_jitter)


async def queue(app: App, *replies: Reply) -> list[int]:
    """Commit ``replies`` to the outbox, as a turn would."""
    async with app.uow() as uow:
        ids = [await uow.outbox.add(reply, app.clock.now()) for reply in replies]
        await uow.commit()
    return ids


async def row(app: App, item_id: int) -> dict[str, object]:
    """An outbox row as stored."""
    async with app.engine.connect() as connection:
        found = (await connection.execute(select(outbox).where(outbox.c.id == item_id))).one()
    return dict(found._mapping)


@dataclasses.dataclass
class FailingOutlet(RecordingOutlet):
    """Raises any exception queued in ``errors`` (not only delivery errors) before sending."""

    errors: list[Exception] = dataclasses.field(default_factory=list)

    async def send(self, reply: Outgoing) -> None:
        """Raise the next queued error, else record ``reply``."""
        if self.errors:
            raise self.errors.pop(0)
        await super().send(reply)


def last_nonce(chat: Chat) -> str | None:
    """The nonce of the newest message with choices sent to ``chat``."""
    return chat.last_with_choices().nonce


def texts_to(outlet: RecordingOutlet, address: Address) -> list[str]:
    """What one recipient received, in order."""
    return [r.text for r in outlet.to(address.user_id)]


# Order


async def test_messages_to_one_recipient_are_delivered_in_the_order_they_were_committed(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer
) -> None:
    await queue(app, *(Reply(ANNA, f"anna {n}") for n in range(5)))
    await queue(app, Reply(BOB, "bob 0"), Reply(ANNA, "anna 5"), Reply(BOB, "bob 1"))
    assert await deliverer.deliver_due() == 8
    assert texts_to(outlet, ANNA) == [f"anna {n}" for n in range(6)]
    assert texts_to(outlet, BOB) == ["bob 0", "bob 1"]
    assert await deliverer.pending() == 0


async def test_a_failing_message_holds_back_later_ones_to_the_same_recipient_only(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer, clock: FakeClock
) -> None:
    await queue(app, Reply(ANNA, "first"), Reply(ANNA, "second"), Reply(BOB, "other"))
    outlet.failures.append(DeliveryError())
    await deliverer.deliver_due()
    assert texts_to(outlet, ANNA) == []
    assert texts_to(outlet, BOB) == ["other"]
    clock.advance(seconds=11)
    await deliverer.deliver_due()
    assert texts_to(outlet, ANNA) == ["first", "second"]


async def test_one_turn_queues_messages_for_several_people_that_are_all_delivered(
    app: App, outlet: RecordingOutlet, reporter: Chat, coordinator: Chat
) -> None:
    lines = share_script()
    await reporter.script(lines[:-1])
    async with app.uow() as uow:
        assert await uow.outbox.pending_count() == 0
    await app.bot.handle(ChoiceMade(Sender(reporter.address), "confirm", last_nonce(reporter)))
    async with app.uow() as uow:  # committed with the concern, not yet sent
        assert await uow.outbox.pending_count(address=reporter.address.user_id) == 1
        assert await uow.outbox.pending_count(address=coordinator.address.user_id) == 1
    await reporter.deliverer.deliver_due()
    assert "Reference:" in outlet.to(reporter.address.user_id)[-1].text
    assert "New concern shared" in outlet.to(coordinator.address.user_id)[-1].text


# Retries


async def test_a_delivery_error_is_retried_after_the_backoff_and_not_before(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer, clock: FakeClock
) -> None:
    [item] = await queue(app, Reply(ANNA, "hello"))
    outlet.failures.append(DeliveryError())
    assert await deliverer.deliver_due() == 1
    stored = await row(app, item)
    assert stored["state"] == "pending"
    assert stored["attempts"] == 1
    assert stored["last_error"] == "DeliveryError"
    clock.advance(seconds=9)
    assert await deliverer.deliver_due() == 0
    assert outlet.sent == []
    clock.advance(seconds=2)
    assert await deliverer.deliver_due() == 1
    assert texts_to(outlet, ANNA) == ["hello"]
    stored = await row(app, item)
    assert stored["state"] == "sent"
    assert stored["sent_at"] is not None


async def test_the_backoff_doubles_with_each_failed_attempt(app: App, clock: FakeClock) -> None:
    patient = dataclasses.replace(OUTBOX, max_attempts=10)
    outlet = FailingOutlet(errors=[DeliveryError(), OSError(), TimeoutError()])
    deliverer = Deliverer(app.uow, {"console": outlet}, clock, patient, jitter=no_jitter)
    await queue(app, Reply(ANNA, "hello"))
    for wait in (10, 20, 40):
        await deliverer.deliver_due()
        clock.advance(seconds=wait - 1)
        assert await deliverer.deliver_due() == 0, wait
        clock.advance(seconds=1)
    assert await deliverer.deliver_due() == 1
    assert texts_to(outlet, ANNA) == ["hello"]


def test_the_backoff_has_jitter_between_half_and_one_and_a_half_and_a_ceiling() -> None:
    assert backoff_seconds(1, OUTBOX, lambda: 0.0) == 5.0
    assert backoff_seconds(1, OUTBOX, lambda: 0.999) == pytest.approx(14.99)
    assert backoff_seconds(3, OUTBOX, lambda: 0.5) == 40.0
    assert backoff_seconds(20, OUTBOX, lambda: 0.5) == 300.0
    assert 5.0 <= backoff_seconds(1, OUTBOX) < 15.0


async def test_retry_later_waits_as_long_as_the_platform_asks_and_costs_no_attempt(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer, clock: FakeClock
) -> None:
    [item] = await queue(app, Reply(ANNA, "hello"))
    outlet.failures.append(RetryLater(retry_after=30))
    await deliverer.deliver_due()
    stored = await row(app, item)
    assert stored["attempts"] == 0
    assert stored["last_error"] == "rate_limited"
    clock.advance(seconds=29)
    await deliverer.deliver_due()
    assert outlet.sent == []
    clock.advance(seconds=2)
    await deliverer.deliver_due()
    assert texts_to(outlet, ANNA) == ["hello"]


async def test_retry_later_never_turns_a_message_into_a_dead_letter(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer, clock: FakeClock
) -> None:
    await queue(app, Reply(ANNA, "hello"))
    outlet.failures.extend(RetryLater(retry_after=1) for _ in range(OUTBOX.max_attempts + 2))
    for _ in range(OUTBOX.max_attempts + 2):
        await deliverer.deliver_due()
        clock.advance(seconds=2)
    await deliverer.deliver_due()
    assert texts_to(outlet, ANNA) == ["hello"]


async def test_an_unreachable_member_is_marked_and_the_message_is_dead_without_retry(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer, clock: FakeClock, reporter: Chat
) -> None:
    [item] = await queue(app, Reply(reporter.address, "news"))
    outlet.failures.append(Unreachable())
    await deliverer.deliver_due()
    stored = await row(app, item)
    assert stored["state"] == "dead"
    assert stored["last_error"] == "unreachable"
    async with app.uow() as uow:
        member = await uow.members.by_address(reporter.address)
        assert await uow.outbox.dead_count() == 1
    assert member is not None
    assert member.unreachable
    clock.advance(hours=1)
    assert await deliverer.deliver_due() == 0
    assert outlet.sent == []


async def test_an_unreachable_member_who_writes_again_is_reachable_again(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer, reporter: Chat
) -> None:
    await queue(app, Reply(reporter.address, "news"))
    outlet.failures.append(Unreachable())
    await deliverer.deliver_due()
    await reporter.say("/help")
    async with app.uow() as uow:
        member = await uow.members.by_address(reporter.address)
    assert member is not None
    assert not member.unreachable


async def test_a_rejected_message_is_dead_without_retry(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer, clock: FakeClock
) -> None:
    [item, _] = await queue(app, Reply(ANNA, "too long"), Reply(ANNA, "next"))
    outlet.failures.append(Rejected())
    await deliverer.deliver_due()
    stored = await row(app, item)
    assert (stored["state"], stored["last_error"]) == ("dead", "rejected")
    assert texts_to(outlet, ANNA) == ["next"]
    clock.advance(hours=1)
    assert await deliverer.deliver_due() == 0


async def test_after_max_attempts_a_message_is_a_dead_letter(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer, clock: FakeClock
) -> None:
    [item, _] = await queue(app, Reply(ANNA, "doomed"), Reply(ANNA, "after"))
    outlet.failures.extend(DeliveryError() for _ in range(OUTBOX.max_attempts))
    for _ in range(OUTBOX.max_attempts):
        await deliverer.deliver_due()
        clock.advance(seconds=OUTBOX.max_backoff_seconds + 1)
    stored = await row(app, item)
    assert stored["state"] == "dead"
    assert stored["attempts"] == OUTBOX.max_attempts
    assert texts_to(outlet, ANNA) == ["after"]  # the dead letter no longer holds the queue
    clock.advance(days=1)
    assert await deliverer.deliver_due() == 0
    async with app.uow() as uow:
        assert await uow.outbox.dead_count() == 1
        assert await uow.outbox.pending_count() == 0


async def test_an_unexpected_error_in_a_channel_is_retried_like_a_delivery_error(
    app: App, clock: FakeClock
) -> None:
    outlet = FailingOutlet(errors=[RuntimeError("bug in an adapter")])
    deliverer = Deliverer(app.uow, {"console": outlet}, clock, OUTBOX, jitter=no_jitter)
    [item] = await queue(app, Reply(ANNA, "hello"))
    await deliverer.deliver_due()
    stored = await row(app, item)
    assert (stored["state"], stored["attempts"], stored["last_error"]) == (
        "pending",
        1,
        "RuntimeError",
    )
    clock.advance(seconds=11)
    await deliverer.deliver_due()
    assert texts_to(outlet, ANNA) == ["hello"]


# Crashes


async def test_a_message_committed_but_not_delivered_before_a_crash_is_delivered_after_restart(
    settings: Settings, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    first = await start_app(settings, clock)
    chat = await join(first, outlet, "anna")
    await first.bot.handle(parse_text(Sender(chat.address), "/status"))
    await first.close()  # the process dies before its outbox worker ran
    assert outlet.sent == []
    second = await start_app(settings, clock)
    try:
        deliverer = Deliverer(second.uow, {"console": outlet}, clock, OUTBOX)
        assert await deliverer.deliver_due() == 1
    finally:
        await second.close()
    assert "You have not shared any concerns yet" in outlet.sent[0].text


async def test_a_message_claimed_by_a_worker_that_died_is_claimed_again_after_the_lease(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer, clock: FakeClock
) -> None:
    await queue(app, Reply(ANNA, "hello"))
    async with app.uow() as uow:  # a worker claims it, then dies mid-send
        claimed = await uow.outbox.claim(("console",), clock.now(), LEASE)
        await uow.commit()
    assert [i.reply for i in claimed] == [Reply(ANNA, "hello")]
    assert await deliverer.deliver_due() == 0
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert await deliverer.deliver_due() == 0
    clock.advance(seconds=2)
    assert await deliverer.deliver_due() == 1
    assert texts_to(outlet, ANNA) == ["hello"]


async def test_a_claimed_message_still_holds_back_the_next_one_to_the_same_recipient(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer, clock: FakeClock
) -> None:
    await queue(app, Reply(ANNA, "first"))
    async with app.uow() as uow:
        await uow.outbox.claim(("console",), clock.now(), LEASE)
        await uow.commit()
    await queue(app, Reply(ANNA, "second"))
    assert await deliverer.deliver_due() == 0
    clock.advance(seconds=LEASE.total_seconds() + 1)
    await deliverer.deliver_due()
    assert texts_to(outlet, ANNA) == ["first", "second"]


# Several workers


class SlowOutlet(RecordingOutlet):
    """Yields to the event loop while sending, so two workers interleave; also writes every
    delivery to a log shared with the other worker's outlet."""

    def __init__(self, shared: list[Reply]) -> None:
        super().__init__()
        self.shared = shared

    async def send(self, reply: Outgoing) -> None:
        """Record ``reply`` after letting the other worker run."""
        await asyncio.sleep(0)
        await super().send(reply)
        assert isinstance(reply, Reply)
        self.shared.append(reply)


@pytest.fixture
async def second_app(settings: Settings, clock: FakeClock, app: App) -> AsyncIterator[App]:
    """Another process on the same database (its own engine and connections)."""
    other = await start_app(settings, clock)
    yield other
    await other.close()


async def test_two_workers_on_one_database_never_deliver_a_message_twice(
    app: App, second_app: App, clock: FakeClock
) -> None:
    recipients = [Address("console", f"user{n}") for n in range(8)]
    await queue(app, *(Reply(to, f"{to.user_id}:{n}") for n in range(6) for to in recipients))
    in_order: list[Reply] = []
    one, two = SlowOutlet(in_order), SlowOutlet(in_order)
    workers = [
        Deliverer(app.uow, {"console": one}, clock, OUTBOX),
        Deliverer(second_app.uow, {"console": two}, clock, OUTBOX),
    ]

    async def drain(worker: Deliverer) -> None:
        for _ in range(1000):
            if not await worker.pending():
                return
            await worker.deliver_due()
            await asyncio.sleep(0)

    await asyncio.gather(*(drain(w) for w in workers))
    delivered = Counter(r.text for r in in_order)
    assert len(delivered) == 48
    assert set(delivered.values()) == {1}
    for to in recipients:  # each recipient's messages in order, whichever worker sent them
        assert [r.text for r in in_order if r.to == to] == [f"{to.user_id}:{n}" for n in range(6)]
    async with app.uow() as uow:
        assert await uow.outbox.pending_count() == 0


async def test_a_worker_for_one_address_delivers_only_that_address(
    app: App, outlet: RecordingOutlet, clock: FakeClock
) -> None:
    await queue(app, Reply(ANNA, "for anna"), Reply(BOB, "for bob"))
    just_anna = Deliverer(app.uow, {"console": outlet}, clock, OUTBOX, address=ANNA.user_id)
    assert await just_anna.pending() == 1
    await just_anna.deliver_due()
    assert [r.text for r in outlet.sent] == ["for anna"]


async def test_a_worker_ignores_channels_it_has_no_outlet_for(
    app: App, outlet: RecordingOutlet, deliverer: Deliverer
) -> None:
    await queue(app, Reply(Address("telegram", "42"), "for telegram"), Reply(ANNA, "console"))
    assert await deliverer.deliver_due() == 1
    async with app.uow() as uow:
        assert await uow.outbox.pending_count("telegram") == 1


async def test_the_worker_loop_delivers_until_it_is_stopped(
    app: App, outlet: RecordingOutlet, clock: FakeClock
) -> None:
    deliverer = Deliverer(app.uow, {"console": outlet}, clock, OUTBOX)

    class StoppingOutlet(RecordingOutlet):
        async def send(self, reply: Outgoing) -> None:
            await super().send(reply)
            deliverer.stop()

    deliverer = Deliverer(app.uow, {"console": StoppingOutlet()}, clock, OUTBOX)
    await queue(app, Reply(ANNA, "one"), Reply(BOB, "two"))
    await asyncio.wait_for(deliverer.run(), timeout=5)
    assert await deliverer.pending() == 0
