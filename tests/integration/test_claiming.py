"""Outbox claiming by several workers on one database: once only, in order, leases honoured."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app.composition import App
from bot.channels.events import Address
from bot.channels.parts import Card
from bot.channels.replies import Outgoing, Reply
from bot.delivery.worker import Deliverer
from bot.settings import Settings
from bot.storage.outbox import LEASE, SENT, OutboxRepository
from bot.storage.tables import outbox
from bot.testing import FakeClock, example_settings, start_app, using_postgres

CHANNEL = "telegram"
WITHIN = 20.0


@dataclass
class Delivered:
    """Everything any worker delivered, in the order the sends completed."""

    log: list[tuple[str, str, str]] = field(default_factory=list)
    entered: list[tuple[str, str]] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def note(self, entry: list[tuple[str, str]], item: tuple[str, str]) -> None:
        """Append ``item`` to ``entry`` and wake whoever waits for a change."""
        async with self.changed:
            entry.append(item)
            self.changed.notify_all()

    async def wait(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds (fails the test after a while)."""

        async def until() -> None:
            async with self.changed:
                await self.changed.wait_for(predicate)

        await asyncio.wait_for(until(), WITHIN)

    def texts(self) -> list[str]:
        """The texts delivered, by anyone."""
        return [text for _, _, text in self.log]

    def to(self, chat: str) -> list[str]:
        """The texts delivered to one chat, in delivery order."""
        return [text for _, to, text in self.log if to == chat]


@dataclass
class SlowOutlet:
    """A Telegram outlet that holds every send until ``gate`` opens, then records it."""

    who: str
    delivered: Delivered
    gate: asyncio.Event
    name: str = CHANNEL

    async def send(self, reply: Outgoing) -> str | None:
        """Wait for the gate, then record the delivery."""
        assert isinstance(reply, Reply)
        await self.delivered.note(self.delivered.entered, (self.who, reply.text))
        await self.gate.wait()
        await asyncio.sleep(0)  # let the other workers interleave
        entry = (self.who, reply.to.user_id, reply.text)
        async with self.delivered.changed:
            self.delivered.log.append(entry)
            self.delivered.changed.notify_all()
        return str(len(self.delivered.log))


@pytest.fixture
def clock() -> FakeClock:
    """The shared fake clock of every worker."""
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The example settings on this test's database."""
    return example_settings(tmp_path / "claiming.db")


@pytest.fixture
async def apps(settings: Settings, clock: FakeClock) -> AsyncIterator[list[App]]:
    """Three bots on the same database, each with an engine of its own (as three instances)."""
    started = [await start_app(settings, clock) for _ in range(3)]
    yield started
    for app in started:
        await app.close()


async def queue(app: App, messages: list[tuple[str, str]]) -> None:
    """Commit ``(chat, text)`` messages to the outbox, in this order."""
    async with app.uow() as uow:
        for chat, text in messages:
            await uow.outbox.add(Reply(Address(CHANNEL, chat), text), app.clock.now())
        await uow.commit()


async def states(app: App) -> Counter[str]:
    """How many outbox rows are in each state."""
    async with app.engine.connect() as connection:
        rows = await connection.execute(
            select(outbox.c.state, func.count()).group_by(outbox.c.state)
        )
        return Counter({state: int(n) for state, n in rows})


def deliverer(app: App, outlet: SlowOutlet, clock: FakeClock) -> Deliverer:
    """A worker of ``app`` that sends through ``outlet``."""
    return Deliverer(app.uow, {CHANNEL: outlet}, clock, app.settings.outbox)


async def test_three_workers_claiming_at_once_deliver_every_message_once_in_each_chats_order(
    apps: list[App], clock: FakeClock
) -> None:
    chats = [f"{1000 + n}" for n in range(120)]
    per_chat = 3
    await queue(apps[0], [(chat, f"{chat}:{i}") for i in range(per_chat) for chat in chats])
    delivered = Delivered()
    gate = asyncio.Event()
    workers = [
        deliverer(app, SlowOutlet(f"worker{n}", delivered, gate), clock)
        for n, app in enumerate(apps)
    ]

    async def open_gate_once_every_chat_is_claimed() -> None:
        # Only the oldest message of each chat may be claimed: one per chat, 50 per claim.
        await delivered.wait(lambda: len(delivered.entered) >= len(chats))
        gate.set()

    handled = await asyncio.gather(
        *(worker.deliver_due() for worker in workers), open_gate_once_every_chat_is_claimed()
    )

    texts = delivered.texts()
    assert len(texts) == len(chats) * per_chat
    assert [text for text, n in Counter(texts).items() if n > 1] == []
    for chat in chats:
        assert delivered.to(chat) == [f"{chat}:{i}" for i in range(per_chat)]
    assert sum(n for n in handled if n is not None) == len(texts)
    by_worker = Counter(who for who, _, _ in delivered.log)
    assert len(by_worker) == 3, by_worker
    assert await states(apps[0]) == Counter({SENT: len(texts)})


async def test_while_one_worker_sends_a_chats_message_the_others_take_nothing_of_that_chat(
    apps: list[App], clock: FakeClock
) -> None:
    await queue(apps[0], [("4201", f"4201:{i}") for i in range(6)])
    delivered = Delivered()
    gate = asyncio.Event()
    workers = [
        deliverer(app, SlowOutlet(f"worker{n}", delivered, gate), clock)
        for n, app in enumerate(apps)
    ]
    running = {asyncio.create_task(worker.deliver_due()) for worker in workers}

    await delivered.wait(lambda: len(delivered.entered) == 1)
    finished: set[asyncio.Task[int]] = set()
    while len(finished) < 2:
        done, _ = await asyncio.wait(
            running - finished, timeout=WITHIN, return_when=asyncio.FIRST_COMPLETED
        )
        assert done, "the idle workers should have found nothing to claim"
        finished |= done
    assert [task.result() for task in finished] == [0, 0]
    assert len(delivered.entered) == 1
    gate.set()
    await asyncio.wait_for(asyncio.gather(*running), WITHIN)
    for worker in workers:
        assert await worker.deliver_due() == 0

    assert delivered.to("4201") == [f"4201:{i}" for i in range(6)]
    assert len(delivered.entered) == 6


async def test_a_message_claimed_by_a_crashed_worker_is_claimed_again_only_after_its_lease(
    apps: list[App], clock: FakeClock
) -> None:
    crashed, survivor = apps[0], apps[1]
    await queue(crashed, [("4201", "first"), ("4201", "second"), ("4202", "other")])
    async with crashed.uow() as uow:
        claimed = await uow.outbox.claim((CHANNEL,), clock.now(), LEASE)
        await uow.commit()
    assert sorted(item.reply.to.user_id for item in claimed) == ["4201", "4202"]
    # ... and the worker dies before sending or settling anything.
    delivered = Delivered()
    worker = deliverer(survivor, SlowOutlet("survivor", delivered, _opened()), clock)

    assert await worker.deliver_due() == 0
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert await worker.deliver_due() == 0

    clock.advance(seconds=2)
    assert await worker.deliver_due() == 3

    assert delivered.to("4201") == ["first", "second"]
    assert delivered.to("4202") == ["other"]
    assert await states(survivor) == Counter({SENT: 3})


def _opened() -> asyncio.Event:
    gate = asyncio.Event()
    gate.set()
    return gate


async def test_a_worker_killed_mid_send_leaves_its_messages_to_another_after_the_lease(
    apps: list[App], clock: FakeClock
) -> None:
    await queue(apps[0], [("4201", "first"), ("4201", "second"), ("4202", "other")])
    delivered = Delivered()
    dying = deliverer(apps[0], SlowOutlet("dying", delivered, asyncio.Event()), clock)
    task = asyncio.create_task(dying.deliver_due())
    await delivered.wait(lambda: len(delivered.entered) == 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    survivor = deliverer(apps[1], SlowOutlet("survivor", delivered, _opened()), clock)

    assert await survivor.deliver_due() == 0
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await survivor.deliver_due() == 3

    assert {who for who, _, _ in delivered.log} == {"survivor"}
    assert delivered.to("4201") == ["first", "second"]
    assert delivered.to("4202") == ["other"]
    assert await states(apps[0]) == Counter({SENT: 3})


async def test_an_expired_lease_is_not_taken_over_while_the_message_is_waiting_for_a_retry(
    apps: list[App], clock: FakeClock
) -> None:
    await queue(apps[0], [("4201", "first")])
    async with apps[0].uow() as uow:
        [item] = await uow.outbox.claim((CHANNEL,), clock.now(), LEASE)
        await uow.outbox.retry_at(item.id, 1, clock.now() + timedelta(minutes=5), "TimeoutError")
        await uow.commit()
    clock.advance(seconds=LEASE.total_seconds() + 1)

    async with apps[1].uow() as uow:
        assert await uow.outbox.claim((CHANNEL,), clock.now(), LEASE) == []
    clock.advance(minutes=5)
    async with apps[1].uow() as uow:
        again = await uow.outbox.claim((CHANNEL,), clock.now(), LEASE)
    assert [(i.id, i.attempts) for i in again] == [(item.id, 1)]


@pytest.mark.skipif(not using_postgres(), reason="SKIP LOCKED is PostgreSQL behaviour")
async def test_on_postgresql_rows_locked_by_an_open_claim_are_skipped_not_waited_for(
    apps: list[App], clock: FakeClock
) -> None:
    app = apps[0]
    await queue(app, [(chat, f"{chat}:{i}") for i in range(2) for chat in ("1", "2", "3", "4")])
    cipher = app.uow.cipher
    async with app.engine.connect() as first, app.engine.connect() as second:
        open_claim = await first.begin()
        held = await OutboxRepository(first, cipher).claim((CHANNEL,), clock.now(), LEASE, limit=2)
        assert [i.reply.to.user_id for i in held] == ["1", "2"]

        await second.begin()
        # The first claim is not committed: without SKIP LOCKED this would wait for it.
        other = await asyncio.wait_for(
            OutboxRepository(second, cipher).claim((CHANNEL,), clock.now(), LEASE), 5
        )
        # Only the other chats' oldest messages: chat 1 and 2 keep their order.
        assert [(i.reply.to.user_id, i.reply) for i in other] == [
            ("3", Reply(Address(CHANNEL, "3"), "3:0")),
            ("4", Reply(Address(CHANNEL, "4"), "4:0")),
        ]
        await second.commit()

        await open_claim.rollback()  # the first worker died before committing its claim
        await second.begin()
        retaken = await OutboxRepository(second, cipher).claim((CHANNEL,), clock.now(), LEASE)
        await second.commit()
    assert [i.id for i in retaken] == [i.id for i in held]


@pytest.mark.skipif(using_postgres(), reason="SQLite's write lock; PostgreSQL skips instead")
async def test_on_sqlite_a_second_claim_waits_for_the_first_and_then_gets_the_other_rows(
    apps: list[App], clock: FakeClock
) -> None:
    await queue(apps[0], [(chat, f"{chat}:0") for chat in ("1", "2", "3", "4")])
    cipher = apps[0].uow.cipher
    async with apps[0].engine.connect() as first, apps[1].engine.connect() as second:
        open_claim = await first.begin()
        held = await OutboxRepository(first, cipher).claim((CHANNEL,), clock.now(), LEASE, limit=2)

        async def claim_second() -> list[str]:
            async with second.begin():
                items = await OutboxRepository(second, cipher).claim((CHANNEL,), clock.now(), LEASE)
            return [i.reply.to.user_id for i in items]

        waiting = asyncio.create_task(claim_second())
        await open_claim.commit()
        assert await asyncio.wait_for(waiting, WITHIN) == ["3", "4"]
    assert [i.reply.to.user_id for i in held] == ["1", "2"]


async def test_cards_of_different_concerns_pass_each_other_and_each_concern_keeps_its_order(
    apps: list[App], clock: FakeClock
) -> None:
    app = apps[0]
    feed = Address(CHANNEL, "-100feed")

    def card(reference: str, text: str, replaces: bool = False) -> Reply:
        slot = Card(f"alert:{reference}", replaces=replaces)
        return Reply(feed, text, card=slot, concern=reference)

    async with app.uow() as uow:
        for reply in (
            card("AAA-111", "alert A"),
            card("BBB-222", "alert B"),
            card("AAA-111", "update A", replaces=True),
            Reply(feed, "a plain message"),
            Reply(feed, "another plain message"),
        ):
            await uow.outbox.add(reply, clock.now())
        await uow.commit()
    async with app.uow() as uow:
        claimed = await uow.outbox.claim((CHANNEL,), clock.now(), LEASE)
        await uow.commit()
    # The heads of three orders: A's card, B's card and the plain messages; A's update waits
    # for A's alert, and the second plain message for the first.
    assert sorted(item.reply.text for item in claimed if isinstance(item.reply, Reply)) == [
        "a plain message",
        "alert A",
        "alert B",
    ]


async def test_noting_a_message_sent_tells_whether_another_to_the_same_chat_still_waits(
    apps: list[App], clock: FakeClock
) -> None:
    app = apps[0]
    await queue(app, [("4301", "first"), ("4301", "second"), ("4302", "alone")])
    async with app.uow() as uow:
        first, alone = await uow.outbox.claim((CHANNEL,), clock.now(), LEASE)
        await uow.commit()
    async with app.uow.for_delivery(durable=False) as uow:
        # The row itself is never the one that waits (PostgreSQL's subquery sees it pending).
        assert await uow.outbox.mark_sent(alone.id, clock.now()) is False
        assert await uow.outbox.mark_sent(first.id, clock.now()) is True
        (second,) = await uow.outbox.claim((CHANNEL,), clock.now(), LEASE)
        assert await uow.outbox.mark_sent(second.id, clock.now()) is False
        await uow.commit()
    assert await states(app) == Counter({SENT: 3})
