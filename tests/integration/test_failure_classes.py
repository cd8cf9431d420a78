"""Each channel tells the outbox which kind of failure it met, as the log and /metrics name
it: a server error (5xx), the network (nothing answered), a rate limit (429)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.ratelimit import SendLimiter
from adapters.slack.channel import SlackAdapter
from adapters.telegram.channel import TelegramAdapter
from bot.channels.events import Address, InboundEvent
from bot.channels.replies import Reply
from bot.delivery.outcomes import DeliveryError, Outlet
from bot.testing import example_settings
from tests.channel_settings import slack_of, telegram_of
from tests.fakes.sinks import FunctionSink
from tests.fakes.slack_api import FakeSlack, Outage
from tests.fakes.telegram_api import FakeTelegram, ScriptedError

CHAT = 4301
CHANNEL = "C0KINDS"
Platforms = tuple[FakeTelegram, FakeSlack, TelegramAdapter, SlackAdapter]


@pytest.fixture
async def adapters(tmp_path: Path) -> AsyncIterator[Platforms]:
    """Both fakes and a started adapter for each (webhook mode: no polling)."""
    telegram_api, slack_api = FakeTelegram(), FakeSlack()
    slack_api.workspace.add(CHANNEL, bot=True)
    await telegram_api.start()
    await slack_api.start()
    settings = example_settings(tmp_path / "bot.db")
    fast = SendLimiter(1e6, 1e6, 1e6)
    telegram = TelegramAdapter(
        dataclasses.replace(
            telegram_of(settings),
            api_base_url=f"http://127.0.0.1:{telegram_api.port}",
            mode="webhook",
            webhook_url=telegram_api.front(9),
        ),
        telegram_api.token,
        "webhook-secret-kinds",
        fast,
    )
    slack = SlackAdapter(
        dataclasses.replace(slack_of(settings), api_base_url=slack_api.base_url),
        slack_api.token,
        "signing-secret-kinds",
        "en",
        limiter=fast,
    )

    async def sink(_: InboundEvent) -> None:
        return None

    async def respond(_: InboundEvent) -> list[Reply]:
        return []

    await telegram.start(FunctionSink(sink))
    await slack.start(FunctionSink(sink, respond))
    try:
        yield telegram_api, slack_api, telegram, slack
    finally:
        await telegram.stop()
        await slack.stop()
        await telegram_api.stop()
        await slack_api.stop()


async def kind_of(adapter: Outlet, reply: Reply) -> tuple[str, str]:
    """The kind and code of the error ``adapter`` raises sending ``reply``."""
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(reply)
    return raised.value.kind, str(raised.value)


async def test_a_5xx_is_a_server_error_and_no_answer_is_the_network_on_both_channels(
    adapters: Platforms,
) -> None:
    telegram_api, slack_api, telegram, slack = adapters
    to_chat = Reply(Address("telegram", str(CHAT)), "hello")
    to_channel = Reply(Address("slack", CHANNEL), "hello")

    telegram_api.fail_next("sendMessage", ScriptedError(502, "Bad Gateway"))
    assert (await kind_of(telegram, to_chat))[0] == "server_error"
    telegram_api.fail_next("sendMessage", ScriptedError(500, "Internal Server Error"))
    assert (await kind_of(telegram, to_chat))[0] == "server_error"
    telegram_api.fail_next("sendMessage", ScriptedError(429, "Too Many Requests: retry after 1", 1))
    assert await kind_of(telegram, to_chat) == ("rate_limited", "retry after 1.0s")
    slack_api.outage = Outage(503, times=1)
    assert await kind_of(slack, to_channel) == ("server_error", "http_503")
    slack_api.rate_limit("chat.postMessage", retry_after=2)
    assert (await kind_of(slack, to_channel))[0] == "rate_limited"

    await telegram_api.stop()
    await slack_api.stop()
    assert (await kind_of(telegram, to_chat))[0] == "network"
    assert (await kind_of(slack, to_channel))[0] == "network"
