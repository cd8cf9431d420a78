"""A turn sends its replies to its sender itself, right after its commit (the Bot's courier):
claimed as they are written, sent in order, settled; older messages still go first; what cannot
be sent now, and what is for someone else, is left to the outbox worker."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from bot.app.composition import App, default_flows
from bot.channels.events import Address, Sender, parse_text
from bot.channels.replies import Reply
from bot.conversation.core import Bot
from bot.delivery.outcomes import Courier, RetryLater
from bot.delivery.worker import Deliverer
from bot.domain.model import Role
from bot.settings import OutboxSettings
from bot.storage.outbox import LEASE, OutboxItem
from bot.storage.tables import outbox
from bot.testing import (
    SHARE_SCRIPT,
    FakeClock,
    RecordingOutlet,
    join,
)

ANNA = Address("console", "anna")
OLDER_WAITS = LEASE / 6
"""How long an older message waits for its retry in a test below."""
SETTINGS = OutboxSettings(  # the workers' (the app is the one of tests/integration/conftest.py)
    max_attempts=5, base_backoff_seconds=2.0, max_backoff_seconds=20.0, poll_seconds=60.0
)


@dataclasses.dataclass
class Wired:
    """A bot whose turns send through ``deliverer``; ``woken`` counts the worker's wake-ups."""

    app: App
    outlet: RecordingOutlet
    deliverer: Deliverer
    woken: list[int]

    def sending_with(self, courier: Courier) -> App:
        """The app with a bot whose turns send through ``courier`` instead."""
        bot = Bot(
            self.app.uow,
            self.app.clock,
            self.app.settings,
            default_flows(),
            lambda: self.woken.append(1),
            courier=courier,
        )
        return dataclasses.replace(self.app, bot=bot)


async def wired(app: App, clock: FakeClock) -> Wired:
    outlet = RecordingOutlet()
    await join(app, outlet, "anna")
    deliverer = Deliverer(app.uow, {"console": outlet}, clock, SETTINGS)
    w = Wired(app, outlet, deliverer, [])
    w.app = w.sending_with(deliverer)
    return w


async def rows(app: App) -> list[tuple[int, str, str, bool]]:
    """Every outbox row: id, recipient, state, claimed."""
    async with app.engine.connect() as connection:
        found = await connection.execute(
            select(outbox.c.id, outbox.c.address, outbox.c.state, outbox.c.claimed_until).order_by(
                outbox.c.id
            )
        )
        return [(r.id, r.address, r.state, r.claimed_until is not None) for r in found]


async def test_a_turn_sends_its_reply_itself_once_committed(app: App, clock: FakeClock) -> None:
    w = await wired(app, clock)
    await w.app.bot.handle(parse_text(Sender(ANNA), "/help"))
    # No worker pass: the reply is out when the turn returns, and recorded as sent.
    assert len(w.outlet.to("anna")) == 1
    assert [(address, state) for _, address, state, _ in await rows(app)] == [("anna", "sent")]
    assert w.woken == []  # nothing was left for the worker
    assert await w.deliverer.deliver_due() == 0


async def test_an_older_pending_message_goes_first_and_the_turn_leaves_its_own_to_the_worker(
    app: App, clock: FakeClock
) -> None:
    w = await wired(app, clock)
    async with app.uow() as uow:
        # Waiting for a retry a little later: the turn's reply must not overtake it.
        older = await uow.outbox.add(Reply(ANNA, "the older one"), clock.now())
        await uow.outbox.retry_at(older, 1, clock.now() + OLDER_WAITS, "rate_limited")
        await uow.commit()
    await w.app.bot.handle(parse_text(Sender(ANNA), "/help"))
    assert w.outlet.sent == []
    assert [(state, claimed) for _, _, state, claimed in await rows(app)] == [
        ("pending", False),
        ("pending", False),
    ]
    assert w.woken == [1]
    clock.advance(seconds=OLDER_WAITS.total_seconds())
    assert await w.deliverer.deliver_due() == 2
    assert w.outlet.to("anna")[0].text == "the older one"


async def test_when_a_reply_cannot_go_now_the_rest_are_released_in_order_to_the_worker(
    app: App, clock: FakeClock
) -> None:
    w = await wired(app, clock)
    now = clock.now()
    claimed: list[OutboxItem] = []
    async with app.uow() as uow:
        for text in ("first", "second", "third"):
            reply = Reply(ANNA, text)
            item_id = await uow.outbox.add(reply, now, claimed_until=now + LEASE)
            claimed.append(OutboxItem(item_id, reply, 0, now))
        await uow.commit()
    w.outlet.failures.append(RetryLater(2.0))
    await w.deliverer.deliver_claimed(claimed)
    assert w.outlet.sent == []
    # The first waits for its retry; the others are no longer claimed (not held for a lease).
    assert [(state, taken) for _, _, state, taken in await rows(app)] == [
        ("pending", False),
        ("pending", False),
        ("pending", False),
    ]
    assert await w.deliverer.deliver_due() == 0  # the first is not due yet, and blocks the rest
    clock.advance(seconds=2)
    assert await w.deliverer.deliver_due() == 3
    assert [r.text for r in w.outlet.sent] == ["first", "second", "third"]


async def test_a_reply_for_someone_else_is_left_to_the_worker_and_wakes_it(
    app: App, clock: FakeClock
) -> None:
    w = await wired(app, clock)
    await join(w.app, w.outlet, "carla", Role.COORDINATOR)

    class Recording:
        """A courier that notes whom it is given messages for."""

        channels = frozenset({"console"})

        def __init__(self) -> None:
            self.given: list[str] = []

        async def deliver_claimed(self, items: Sequence[OutboxItem]) -> None:
            self.given.extend(item.reply.to.user_id for item in items)
            await w.deliverer.deliver_claimed(items)

    courier = Recording()
    chat = await join(w.sending_with(courier), w.outlet, "dirk")
    await chat.script(SHARE_SCRIPT)
    # The coordinator's alert came through the worker (woken for it), never the turn.
    assert any("CANARY-FACT" not in r.text for r in w.outlet.to("carla"))
    assert "carla" not in courier.given
    assert set(courier.given) == {"dirk"}
    assert len(courier.given) >= len(SHARE_SCRIPT)
    assert w.woken


async def test_when_sending_fails_outright_the_claimed_replies_wait_for_the_worker(
    app: App, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    w = await wired(app, clock)

    class Broken:
        """A courier whose storage fails after the turn committed."""

        channels = frozenset({"console"})

        async def deliver_claimed(self, items: Sequence[OutboxItem]) -> None:
            raise OSError("disk I/O error CANARY-COURIER")

    broken = w.sending_with(Broken())
    with caplog.at_level(logging.ERROR, logger="bot.conversation.core"):
        await broken.bot.handle(parse_text(Sender(ANNA), "/help"))
    assert "sending a turn's replies failed: OSError" in caplog.text
    assert "CANARY-COURIER" not in caplog.text
    assert w.outlet.sent == []
    # Claimed, so no worker sends it twice meanwhile; once the claim has run out, one does.
    assert await w.deliverer.deliver_due() == 0
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await w.deliverer.deliver_due() == 1
    assert len(w.outlet.to("anna")) == 1
