"""Home views in the outbox: a page is shown in full, so a burst of changes publishes once, the
newest; one already being sent is left alone, and the next waits behind it."""

from __future__ import annotations

from bot.app.composition import App
from bot.channels.events import Address
from bot.channels.home import HomeSection, HomeView
from bot.channels.replies import Reply
from bot.storage.outbox import LEASE
from bot.storage.outbox_home import HOME_SETTLE
from bot.testing import FakeClock

CORA = Address("slack", "T0TEST:U0CORA")
CHANNELS = ("slack",)


def page(intro: str, opened: bool = False) -> HomeView:
    """Cora's home view saying ``intro``."""
    return HomeView(CORA, "en", "Open concerns", intro, (HomeSection("Your queue"),), 0, opened)


async def add(app: App, *outgoing: HomeView | Reply) -> list[int]:
    """Write to the outbox, as a turn does, and commit."""
    async with app.uow() as uow:
        ids = [await uow.outbox.add(item, app.clock.now()) for item in outgoing]
        await uow.commit()
    return ids


async def claim(app: App) -> list[str]:
    """Claim what is due now; the intros (or texts) claimed."""
    async with app.uow() as uow:
        items = await uow.outbox.claim(CHANNELS, app.clock.now(), LEASE)
        await uow.commit()
    return [i.reply.intro if isinstance(i.reply, HomeView) else str(i.reply.to) for i in items]


async def test_a_burst_of_changes_leaves_one_view_waiting_the_newest(
    app: App, clock: FakeClock
) -> None:
    first, second, third = await add(app, page("one"), page("two"), page("three"))

    assert first == second == third
    async with app.uow() as uow:
        assert await uow.outbox.pending_count("slack") == 1
    assert await claim(app) == []  # settling first
    clock.advance(seconds=HOME_SETTLE.total_seconds())
    assert await claim(app) == ["three"]


async def test_a_view_being_sent_is_left_alone_and_the_next_waits_behind_it(
    app: App, clock: FakeClock
) -> None:
    [sending] = await add(app, page("old"))
    clock.advance(seconds=HOME_SETTLE.total_seconds())
    assert await claim(app) == ["old"]

    [waiting] = await add(app, page("new"))
    assert waiting != sending
    clock.advance(seconds=HOME_SETTLE.total_seconds())
    assert await claim(app) == []  # behind the one still being sent
    async with app.uow() as uow:
        await uow.outbox.mark_sent(sending, clock.now())
        await uow.commit()
    assert await claim(app) == ["new"]


async def test_a_view_just_opened_goes_out_at_once_beside_other_messages(app: App) -> None:
    await add(app, Reply(CORA, "a message"), page("opened", opened=True))

    claimed = await claim(app)

    assert "opened" in claimed
    assert len(claimed) == 2  # a page does not wait for a message, nor a message for a page
