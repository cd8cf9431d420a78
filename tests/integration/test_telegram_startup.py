"""A Telegram instance starts through 429s: every start-up call waits out ``retry_after``
(through the send limiter's clock, so nothing sleeps), in polling and in webhook mode, and
gives up with a clear error only after ``[telegram] start_retry_seconds``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.ratelimit import SendLimiter
from adapters.telegram.channel import TelegramAdapter
from adapters.telegram.settings import TelegramSettings
from adapters.telegram.startup import StartUpGaveUp
from bot.channels.events import InboundEvent
from tests.fakes.sinks import FunctionSink
from tests.fakes.telegram_api import FakeTelegram, ScriptedError

SECRET = "webhook-secret-7a8b9c"
START_UP_CALLS = {
    "polling": ["getMe", "setMyCommands", "deleteWebhook", "getUpdates"],
    "webhook": ["getMe", "setMyCommands", "setWebhook"],
}


class Ticks:
    """The send limiter's clock: it moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


def adapter_for(fake: FakeTelegram, mode: str, ticks: Ticks, budget: float) -> TelegramAdapter:
    """An adapter in ``mode`` against the fake, its limiter on ``ticks``."""
    settings = replace(
        TelegramSettings(),
        api_base_url=f"http://127.0.0.1:{fake.port}",
        mode=mode,
        webhook_url=fake.front(9) if mode == "webhook" else "",
        start_retry_seconds=budget,
    )
    limiter = SendLimiter(30.0, 1.0, 3.0, monotonic=ticks.monotonic, sleep=ticks.sleep)
    return TelegramAdapter(settings, fake.token, SECRET if mode == "webhook" else "", limiter)


async def ignore(event: InboundEvent) -> None:
    """A sink for updates (none arrive here)."""


def too_many(seconds: int) -> ScriptedError:
    """Telegram's 429 asking to wait ``seconds``."""
    return ScriptedError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)


@pytest.mark.parametrize(
    ("mode", "method"),
    [(mode, method) for mode, methods in START_UP_CALLS.items() for method in methods],
)
async def test_two_429s_on_a_start_up_call_are_waited_out_and_the_instance_starts(
    fake: FakeTelegram, mode: str, method: str
) -> None:
    ticks = Ticks()
    adapter = adapter_for(fake, mode, ticks, budget=300.0)
    before = len(fake.called(method))
    fake.fail_next(method, too_many(7), times=2)

    await adapter.start(FunctionSink(ignore))
    try:
        assert len(fake.called(method)) >= before + 3
        assert sum(ticks.slept) >= 14.0 - 1e-6
        if mode == "webhook":
            assert fake.webhook_url == fake.front(9)
            assert fake.webhook_secret == SECRET
        else:
            assert adapter.application.updater is not None
            assert adapter.application.updater.running
        assert len(fake.called("setMyCommands")) >= 3
    finally:
        await adapter.stop()


async def test_the_updaters_own_delete_webhook_call_waits_out_a_429_too(
    fake: FakeTelegram,
) -> None:
    ticks = Ticks()
    adapter = adapter_for(fake, "polling", ticks, budget=300.0)
    fake.fail_next("deleteWebhook", too_many(5), after=1)  # ours passes, the updater's not

    await adapter.start(FunctionSink(ignore))
    try:
        assert len(fake.called("deleteWebhook")) == 3
        assert ticks.slept == [5.0]
        assert adapter.application.updater is not None
        assert adapter.application.updater.running
    finally:
        await adapter.stop()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_start_up_gives_up_with_a_clear_error_after_the_configured_total(
    fake: FakeTelegram, mode: str
) -> None:
    ticks = Ticks()
    adapter = adapter_for(fake, mode, ticks, budget=120.0)
    fake.fail_next("setMyCommands", too_many(50), times=10)

    with pytest.raises(StartUpGaveUp) as gave_up:
        await adapter.start(FunctionSink(ignore))
    await adapter.stop()

    assert "429 (too many requests) to setMyCommands" in str(gave_up.value)
    assert "[telegram] start_retry_seconds is 120" in str(gave_up.value)
    assert sum(ticks.slept) == pytest.approx(100.0)
    assert len(fake.called("setMyCommands")) == 3


def test_the_compose_file_starts_a_stopped_bot_instance_again() -> None:
    compose = Path(__file__).resolve().parents[2] / "deploy" / "compose.yaml"
    service = re.search(r"^  bot:\n((?:    .*\n|\s*\n)*)", compose.read_text(), re.MULTILINE)

    assert service is not None
    assert re.search(r"^    restart: (unless-stopped|on-failure)$", service.group(1), re.MULTILINE)
