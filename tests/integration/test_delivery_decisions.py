"""Which of a turn's replies are kept for the caller, claimed by the turn, or left to the outbox
worker (bot.delivery.decisions), and what is handed over after the commit."""

from __future__ import annotations

from collections.abc import Sequence

from bot.app.composition import App
from bot.channels.events import Address
from bot.channels.parts import FieldError
from bot.channels.replies import Removal, Reply
from bot.delivery.decisions import Queued, queue, refused_only
from bot.storage.outbox import OutboxItem
from bot.testing import FakeClock

ANNA = Address("console", "anna")
BEN = Address("console", "ben")


class Courier:
    """Takes the claimed replies of a turn (records them) for the console channel."""

    channels = frozenset({"console"})

    def __init__(self) -> None:
        self.handed: list[list[str]] = []

    async def deliver_claimed(self, items: Sequence[OutboxItem]) -> None:
        """Record the texts handed over."""
        self.handed.append([i.reply.text for i in items if isinstance(i.reply, Reply)])


async def test_a_direct_caller_keeps_its_sender_s_replies_and_the_outbox_gets_the_rest(
    app: App, clock: FakeClock
) -> None:
    mine, bens, removal = Reply(ANNA, "one"), Reply(BEN, "for ben"), Removal(ANNA, ("7",))
    async with app.uow() as uow:
        queued = await queue(uow, [mine, bens, removal], ANNA, clock.now(), True, Courier())
        await uow.commit()
    assert (queued.kept, queued.claimed, queued.for_worker) == ([mine], [], True)
    async with app.uow() as uow:
        assert await uow.outbox.pending_count() == 2


async def test_a_turn_claims_its_sender_s_replies_unless_older_ones_still_wait(
    app: App, clock: FakeClock
) -> None:
    courier = Courier()
    async with app.uow() as uow:
        first = await queue(
            uow, [Reply(ANNA, "a"), Reply(BEN, "b")], ANNA, clock.now(), False, courier
        )
        await uow.commit()
    assert [i.reply.to for i in first.claimed] == [ANNA]
    assert first.for_worker
    woken: list[int] = []
    await first.hand_over(courier, lambda: woken.append(1))
    assert (courier.handed, woken) == ([["a"]], [1])
    # "a" is not settled yet: the next reply to Anna waits behind it, for the worker.
    async with app.uow() as uow:
        second = await queue(uow, [Reply(ANNA, "c")], ANNA, clock.now(), False, courier)
        await uow.commit()
    assert (second.claimed, second.for_worker) == ([], True)
    # Without a courier for the channel, nothing is claimed either.
    async with app.uow() as uow:
        third = await queue(uow, [Reply(BEN, "d")], BEN, clock.now(), False, None)
    assert (third.claimed, third.for_worker) == ([], True)


async def test_nothing_is_handed_over_for_a_turn_that_queued_nothing() -> None:
    woken: list[int] = []
    await Queued().hand_over(None, lambda: woken.append(1))
    assert woken == []


def test_a_form_is_refused_only_when_every_reply_names_a_field_at_fault() -> None:
    fault = Reply(ANNA, "Please write your question.", error=FieldError("question"))
    assert refused_only([fault])
    assert not refused_only([fault, Reply(ANNA, "Sent.")])
    assert not refused_only([])
