"""Claims and the instances that hold them (issue 14, point 9), on SQLite and PostgreSQL.

An instance that starts releases the claims of instances that are gone (their lock is free:
PostgreSQL dropped it with the connection, the system with the process), not those of a live
one; and an instance renews the claims of the messages in its hand, so that a send waiting out
a 429 longer than the lease is not taken over and sent a second time by another instance.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from adapters.ratelimit import SendLimiter
from bot.app.composition import App
from bot.channels.events import Address
from bot.channels.replies import Outgoing, Reply
from bot.delivery.instances import Instance
from bot.delivery.outcomes import RetryLater
from bot.delivery.worker import Deliverer
from bot.storage.outbox import LEASE
from bot.storage.tables import outbox
from bot.testing import FakeClock, RecordingOutlet, example_settings, start_app

CHANNEL = "telegram"
RETRY_AFTER = 90.0
"""Seconds Telegram asks to wait: longer than the lease (60)."""


@pytest.fixture
def clock() -> FakeClock:
    """The shared fake clock of every instance."""
    return FakeClock()


@dataclass
class Running:
    """A bot and its instance identity, as one ``concernbot run`` holds them."""

    app: App
    instance: Instance


@pytest.fixture
async def running(tmp_path: Path, clock: FakeClock) -> AsyncIterator[list[Running]]:
    """Three bots on one database, each with an engine (and an instance id) of its own."""
    settings = example_settings(tmp_path / "instances.db")
    started = []
    for _ in range(3):
        app = await start_app(settings, clock)
        started.append(Running(app, Instance(app.uow, clock)))
    yield started
    for each in started:
        await each.instance.stop()
        await each.app.close()


async def claim_one(app: App, chat: str, text: str) -> int:
    """Queue a message to ``chat`` and claim it, as ``app``'s worker does; its row id."""
    async with app.uow() as uow:
        await uow.outbox.add(Reply(Address(CHANNEL, chat), text), app.clock.now())
        (item,) = await uow.outbox.claim((CHANNEL,), app.clock.now(), LEASE, address=chat)
        await uow.commit()
    return item.id


async def claimed_until(app: App, item_id: int) -> datetime | None:
    """The end of the row's lease (None: not claimed)."""
    async with app.engine.connect() as connection:
        query = select(outbox.c.claimed_until).where(outbox.c.id == item_id)
        value: datetime | None = (await connection.execute(query)).scalar_one()
        return value


async def test_a_start_releases_the_claims_of_an_instance_that_is_gone_and_no_live_ones(
    running: list[Running], clock: FakeClock
) -> None:
    crashed, live, starting = running
    await crashed.instance.start()
    await live.instance.start()
    of_crashed = await claim_one(crashed.app, "4201", "cut off by the crash")
    of_live = await claim_one(live.app, "4202", "being sent")
    unowned = await claim_one(live.app, "4203", "claimed by the previous version")
    async with live.app.engine.begin() as connection:
        await connection.execute(
            update(outbox).where(outbox.c.id == unowned).values(claimed_by=None)
        )
    # A crash: PostgreSQL drops the session's lock with its connection, the system the file
    # lock with the process; the claim stays behind.
    await crashed.instance.presence.let_go()

    released = await starting.instance.start()

    assert released == 1
    assert await claimed_until(starting.app, of_crashed) is None
    assert await claimed_until(starting.app, of_live) is not None
    # Its instance may still be running (a rolling upgrade): left to its lease.
    assert await claimed_until(starting.app, unowned) is not None
    worker = Deliverer(
        starting.app.uow, {CHANNEL: RecordingOutlet(CHANNEL)}, clock, starting.app.settings.outbox
    )
    assert await worker.deliver_due() == 1


async def test_an_instance_that_starts_while_all_others_live_releases_nothing(
    running: list[Running],
) -> None:
    first, second, third = running
    await first.instance.start()
    await second.instance.start()
    claims = [
        await claim_one(first.app, "4301", "one"),
        await claim_one(second.app, "4302", "two"),
    ]

    assert await third.instance.start() == 0
    for item_id in claims:
        assert await claimed_until(third.app, item_id) is not None


@dataclass
class FakeTime:
    """The send limiter's monotonic clock, moved with the fake clock; a sleep ends when the
    fake time reaches its end."""

    clock: FakeClock
    asleep: asyncio.Event = field(default_factory=asyncio.Event)
    _moved: asyncio.Condition = field(default_factory=asyncio.Condition)

    def __post_init__(self) -> None:
        self._start = self.clock.now()

    def monotonic(self) -> float:
        """Seconds since the start, on the fake clock."""
        return (self.clock.now() - self._start).total_seconds()

    async def sleep(self, seconds: float) -> None:
        """Wait until the fake time has moved ``seconds`` on."""
        until = self.monotonic() + seconds
        async with self._moved:
            self.asleep.set()
            await self._moved.wait_for(lambda: self.monotonic() >= until)

    async def advance(self, seconds: float) -> None:
        """Move the fake time on and wake the sleepers that are due."""
        self.clock.advance(seconds=seconds)
        async with self._moved:
            self._moved.notify_all()
        for _ in range(5):
            await asyncio.sleep(0)


@dataclass
class LimitedOutlet:
    """Telegram as the adapter sees it, behind the real send limiter: a chat in ``too_many``
    is answered 429 once, which pauses every send of this instance (as the adapter does)."""

    who: str
    limiter: SendLimiter
    sent: list[tuple[str, str]]
    too_many: set[str] = field(default_factory=set)
    name: str = CHANNEL

    async def send(self, reply: Outgoing) -> str | None:
        """Wait for the limiter, then deliver (or be told to retry after 90 s)."""
        assert isinstance(reply, Reply)
        async with self.limiter.sending(reply.to.user_id):
            if reply.to.user_id in self.too_many:
                self.too_many.discard(reply.to.user_id)
                self.limiter.pause(RETRY_AFTER)
                raise RetryLater(RETRY_AFTER)
            self.sent.append((self.who, reply.text))
        return str(len(self.sent))


async def test_a_send_held_by_a_429_longer_than_the_lease_keeps_its_claim_and_goes_out_once(
    running: list[Running], clock: FakeClock
) -> None:
    (waiting, waiting_instance), (other, other_instance) = (
        (r.app, r.instance) for r in running[:2]
    )
    time = FakeTime(clock)
    sent: list[tuple[str, str]] = []
    limiter = SendLimiter(monotonic=time.monotonic, sleep=time.sleep)
    slowed = LimitedOutlet("waiting", limiter, sent, too_many={"4401"})
    first = Deliverer(waiting.uow, {CHANNEL: slowed}, clock, waiting.settings.outbox)
    second = Deliverer(
        other.uow,
        {CHANNEL: LimitedOutlet("other", SendLimiter(), sent)},
        clock,
        other.settings.outbox,
    )
    await waiting_instance.start()
    await other_instance.start()
    async with waiting.uow() as uow:
        await uow.outbox.add(Reply(Address(CHANNEL, "4401"), "told to wait"), clock.now())
        await uow.commit()
    assert await first.deliver_due() == 1  # 429: every send of this instance waits 90 s
    async with waiting.uow() as uow:
        await uow.outbox.add(Reply(Address(CHANNEL, "4402"), "waits its turn"), clock.now())
        await uow.commit()
    sending = asyncio.create_task(first.deliver_due())
    await asyncio.wait_for(time.asleep.wait(), 10)  # in the limiter, until the pause ends

    for _ in range(5):  # 80 s: the lease would have run out after 60
        await time.advance(16)
        await waiting_instance.renew(first.hand)
    assert await second.deliver_due() == 0  # nothing due: the one waiting is still claimed
    await time.advance(15)
    # The pause is over: the waiting one goes out, and the one told to wait is due again.
    assert await asyncio.wait_for(sending, 10) == 2
    assert await second.deliver_due() == 0

    assert sent == [("waiting", "waits its turn"), ("waiting", "told to wait")]


@pytest.mark.sqlite_only
async def test_a_start_removes_the_lock_files_killed_processes_left_and_no_live_ones(
    running: list[Running], tmp_path: Path
) -> None:
    live, starting, _ = running
    await live.instance.start()
    directory = tmp_path / "instances.db.instances"
    left = directory / "123.lock"
    left.touch()  # a process that was killed: its file stays, its lock went with it

    await starting.instance.start()

    assert not left.exists()
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        f"{r.instance.id}.lock" for r in (live, starting)
    )
    await starting.instance.stop()
    assert [p.name for p in directory.iterdir()] == [f"{live.instance.id}.lock"]
