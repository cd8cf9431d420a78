"""A reply sent in parts (a long text, a file after its text) resumes at the part that failed:
never a part twice, never one lost, also when the process dies between parts."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from adapters.ratelimit import SendLimiter
from adapters.telegram.channel import TelegramAdapter
from bot.app.composition import App
from bot.channels.events import Address
from bot.channels.parts import Attachment, Card
from bot.channels.replies import Reply
from bot.delivery.worker import Deliverer
from bot.storage.outbox import LEASE
from bot.testing import FakeClock
from tests.channel_settings import telegram_of
from tests.fakes.telegram_api import FakeTelegram, ScriptedError
from tests.integration.test_telegram import Ticks

CHAT = 4201
TO = Address("telegram", str(CHAT))
PARTS = tuple(f"Part {n}: " + " ".join(["observed"] * 430) for n in range(3))
LIMITED = ScriptedError(429, "Too Many Requests: retry after 3", retry_after=3)

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fresh fake Bot API."""
    api = FakeTelegram()
    await api.start()
    yield api
    await api.stop()


async def adapter_for(app: App, fake: FakeTelegram) -> TelegramAdapter:
    """A Telegram adapter talking to ``fake``, connected but not receiving updates."""
    settings = dataclasses.replace(
        telegram_of(app.settings), api_base_url=f"http://127.0.0.1:{fake.port}", mode="webhook"
    )
    ticks = Ticks()
    limiter = SendLimiter(1e6, 1e6, 1e6, monotonic=ticks.monotonic, sleep=ticks.sleep)
    telegram = TelegramAdapter(settings, fake.token, limiter=limiter)
    await telegram.application.initialize()
    return telegram


def deliverer_for(app: App, telegram: TelegramAdapter) -> Deliverer:
    """An outbox worker for the Telegram channel alone."""
    return Deliverer(app.uow, {"telegram": telegram}, app.clock, app.settings.outbox)


async def queue(app: App, reply: Reply) -> None:
    """Write ``reply`` to the outbox, as a committed turn would."""
    async with app.uow() as uow:
        await uow.outbox.add(reply, app.clock.now())
        await uow.commit()


def after_first(fake: FakeTelegram, method: str, then: Handler) -> None:
    """Answer the first call of ``method`` as usual and the second one with ``then``."""
    usual: Handler = getattr(fake, f"_api_{method}")
    seen = 0

    async def handler(params: dict[str, Any]) -> Any:
        nonlocal seen
        seen += 1
        return await (then(params) if seen == 2 else usual(params))

    setattr(fake, f"_api_{method}", handler)


async def limited(params: dict[str, Any]) -> web.Response:
    """Telegram's answer to a call over the rate limit."""
    body = {
        "ok": False,
        "error_code": 429,
        "description": LIMITED.description,
        "parameters": {"retry_after": LIMITED.retry_after},
    }
    return web.json_response(body, status=429)


def texts(fake: FakeTelegram) -> list[str]:
    """The texts the fake delivered (refused calls left out), in order."""
    return [str(m["text"]) for m in fake.sent if m["chat"]["id"] == CHAT]


async def test_a_three_part_reply_whose_second_part_is_rate_limited_sends_each_part_once(
    app: App, fake: FakeTelegram, clock: FakeClock
) -> None:
    assert all(3800 < len(p) < 4000 for p in PARTS)
    telegram = await adapter_for(app, fake)
    deliverer = deliverer_for(app, telegram)
    reply = Reply(TO, "\n".join(PARTS), card=Card("card:K7Q-M3X"), concern="K7Q-M3X")
    await queue(app, reply)

    after_first(fake, "sendMessage", limited)
    try:
        await deliverer.deliver_due()
        assert len(texts(fake)) == 1
        clock.advance(seconds=4)
        await deliverer.deliver_due()
    finally:
        await telegram.application.shutdown()

    sent = texts(fake)
    assert len(sent) == 3
    assert ["".join(t.split()) for t in sent] == ["".join(p.split()) for p in PARTS]
    assert len(fake.called("sendMessage")) == 4  # the three parts and the one refused
    async with app.uow() as uow:
        assert await uow.outbox.pending_count() == 0
        slot = await uow.posted.find(TO, "card:K7Q-M3X")
    assert slot == str(fake.sent[-1]["message_id"])


async def test_a_rate_limited_file_after_its_text_is_sent_once_and_the_text_not_again(
    app: App, fake: FakeTelegram, clock: FakeClock
) -> None:
    telegram = await adapter_for(app, fake)
    deliverer = deliverer_for(app, telegram)
    file = Attachment.text("export.json", '{"member": {}}', "application/json")
    await queue(app, Reply(TO, "Everything stored about you is in this file.", attachment=file))
    fake.fail_next("sendDocument", LIMITED)
    try:
        await deliverer.deliver_due()
        clock.advance(seconds=4)
        await deliverer.deliver_due()
    finally:
        await telegram.application.shutdown()

    assert texts(fake) == ["Everything stored about you is in this file."]
    assert len(fake.called("sendMessage")) == 1
    assert len(fake.called("sendDocument")) == 2  # refused once, then delivered
    async with app.uow() as uow:
        assert await uow.outbox.pending_count() == 0


async def test_after_a_crash_between_parts_another_worker_resumes_at_the_part_in_flight(
    app: App, fake: FakeTelegram, clock: FakeClock
) -> None:
    await queue(app, Reply(TO, "\n".join(PARTS)))
    arrived = asyncio.Event()
    crashed = asyncio.Event()

    async def never_answered(params: dict[str, Any]) -> web.Response:
        arrived.set()
        await crashed.wait()
        return web.json_response({"ok": False}, status=502)

    after_first(fake, "sendMessage", never_answered)
    first = await adapter_for(app, fake)
    dying = asyncio.create_task(deliverer_for(app, first).deliver_due())
    await asyncio.wait_for(arrived.wait(), 10)
    dying.cancel()  # the process dies while part 2 is on its way; nothing is settled
    await asyncio.gather(dying, return_exceptions=True)
    crashed.set()
    await first.application.shutdown()

    second = await adapter_for(app, fake)
    try:
        clock.advance(seconds=LEASE.total_seconds() + 1)
        await deliverer_for(app, second).deliver_due()
    finally:
        await second.application.shutdown()

    sent = texts(fake)
    assert ["".join(t.split()) for t in sent] == ["".join(p.split()) for p in PARTS]
