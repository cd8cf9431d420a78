"""The real ``concernbot run`` through a Slack outage (HTTP 503 for a while) and a run of
Telegram 429s: its log tells when each began and ended, with counts, in a few lines and
without content; /metrics counts the failures, retries and recoveries."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from bot.app.composition import bootstrap
from bot.app.config import load_settings
from bot.channels.events import Address
from bot.channels.replies import Reply
from bot.testing import database_url
from tests.fakes.slack_api import FakeSlack, Outage
from tests.fakes.telegram_api import FakeTelegram, ScriptedError
from tests.integration.test_service import (
    CONCERNBOT,
    EXAMPLE,
    MADE_UP_KEYS,
    SIGNING_SECRET,
    WITHIN,
    Fakes,
    Process,
    Sample,
    eventually,
    free_port,
    parse_prometheus,
    run_environ,
    value,
)

CANARY = "CANARY-ACCOUNT-31b7: he shared a propaganda video in the class chat."
ALERTS = "C0ALERTS"
REPORT_SECONDS = 2.0
TOO_MANY = ScriptedError(429, "Too Many Requests: retry after 1", retry_after=1)


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    """A fake Bot API and a fake Slack Web API (the bot a member of the alert channel)."""
    made = Fakes(FakeTelegram(), FakeSlack())
    made.slack.workspace.add(ALERTS, bot=True)
    await made.telegram.start()
    await made.slack.start()
    yield made
    await made.telegram.stop()
    await made.slack.stop()


@pytest.fixture
async def bot(tmp_path: Path, fakes: Fakes) -> AsyncIterator[Process]:
    """``concernbot run --verbose`` with Telegram and Slack, reporting outages every 2 s
    and retrying within half a second."""
    env = run_environ(fakes, database_url(tmp_path / "outage.db"), free_port()) | {
        "SLACK_BOT_TOKEN": fakes.slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "CONCERNBOT_SLACK_API_BASE_URL": fakes.slack.base_url,
        "CONCERNBOT_OUTBOX_MAX_BACKOFF_SECONDS": "0.5",
        "CONCERNBOT_OUTBOX_POLL_SECONDS": "0.1",
        "CONCERNBOT_OUTBOX_MAX_ATTEMPTS": "1000",
        "CONCERNBOT_OUTBOX_OUTAGE_REPORT_SECONDS": str(REPORT_SECONDS),
    }
    log = tmp_path / "outage.log"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            str(CONCERNBOT), "--verbose", "run", env=env, cwd=tmp_path, stdout=sink, stderr=sink
        )
    child = Process(process, int(env["CONCERNBOT_HTTP_PORT"]), log)
    try:
        await child.until_healthy()
        yield child
    finally:
        if child.process.returncode is None:
            child.process.kill()
            await child.process.wait()


async def metrics(child: Process) -> dict[str, tuple[str, list[Sample]]]:
    """The process's /metrics, parsed."""
    url = f"http://127.0.0.1:{child.port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return parse_prometheus(await answer.text())


def lines(child: Process, pattern: str) -> list[str]:
    """The process's log lines matching ``pattern``."""
    return [line for line in child.log.read_text().splitlines() if re.search(pattern, line)]


def logged(child: Process, pattern: str, times: int = 1) -> Callable[[], Awaitable[bool]]:
    """A check for ``eventually``: the log has ``times`` lines matching ``pattern``."""

    async def check() -> bool:
        return len(lines(child, pattern)) >= times

    return check


async def queue_alert(database: str, text: str) -> None:
    """Commit a Slack message to the outbox as the bot would, from outside the process."""
    settings = load_settings(EXAMPLE, {"CONCERNBOT_DATABASE_URL": database})
    app = await bootstrap(settings, environ={"CONCERNBOT_ENCRYPTION_KEYS": MADE_UP_KEYS})
    try:
        async with app.uow() as uow:
            await uow.outbox.add(Reply(Address("slack", ALERTS), text), app.clock.now())
            await uow.commit()
    finally:
        await app.close()


async def test_a_slack_outage_is_logged_as_it_begins_while_it_lasts_and_as_it_ends(
    tmp_path: Path, fakes: Fakes, bot: Process
) -> None:
    slack = fakes.slack
    slack.outage = Outage(status=503, times=10**6)
    await queue_alert(database_url(tmp_path / "outage.db"), CANARY)

    def refused() -> int:
        return sum(c.method == "chat.postMessage" for c in slack.requests)

    await slack.wait_for(lambda: refused() >= 1, WITHIN)
    began = time.monotonic()
    # Failing for a few report intervals: a summary at most every interval, not one a retry.
    await eventually(logged(bot, "slack: delivery still failing", times=2), WITHIN)
    during = await metrics(bot)
    assert value(during, "concernbot_delivery_outage", channel="slack") == 1.0
    assert value(during, "concernbot_delivery_messages_waiting", channel="slack") == 1.0
    since = value(during, "concernbot_delivery_failing_since_seconds", channel="slack")
    assert 0 < time.time() - since < WITHIN

    slack.outage = None
    await slack.wait_for(lambda: bool(slack.posted(ALERTS)), WITHIN)
    await eventually(logged(bot, "slack: delivery recovered"), WITHIN)
    outage_seconds = time.monotonic() - began
    failures = refused() - len(slack.called("chat.postMessage"))

    failing = lines(bot, "slack: delivery failing")
    assert len(failing) == 1
    assert "slack: delivery failing (server_error http_503); retrying in" in failing[0]
    assert failing[0].endswith("1 message waiting")
    summaries = lines(bot, "slack: delivery still failing")
    assert 2 <= len(summaries) <= outage_seconds / REPORT_SECONDS + 1
    assert failures > len(summaries) + 1  # more attempts than lines
    (recovered,) = lines(bot, "slack: delivery recovered")
    assert f"{failures} failures (server_error {failures}), 1 message delayed" in recovered
    after = await metrics(bot)
    assert (
        value(
            after,
            "concernbot_delivery_failures_total",
            channel="slack",
            **{"class": "server_error"},
        )
        == failures
    )
    assert value(after, "concernbot_delivery_retries_total", channel="slack") == failures
    assert value(after, "concernbot_delivery_recoveries_total", channel="slack") == 1.0
    assert value(after, "concernbot_delivery_outage", channel="slack") == 0.0
    assert value(after, "concernbot_delivery_outage", channel="telegram") == 0.0
    assert CANARY.split(":")[0] not in bot.log.read_text()
    assert slack.posted(ALERTS)[0]["text"] == CANARY


async def test_a_run_of_telegram_429s_is_logged_as_one_outage_with_its_count(
    fakes: Fakes, bot: Process
) -> None:
    telegram = fakes.telegram
    telegram.fail_next("sendMessage", TOO_MANY, times=4)

    await telegram.push(telegram.message(7171, f"/start {CANARY}"))
    await telegram.wait_for(lambda: bool(telegram.sent), WITHIN)
    await eventually(logged(bot, "telegram: delivery recovered"), WITHIN)

    (failing,) = lines(bot, "telegram: delivery failing")
    assert "telegram: delivery failing (rate_limited retry_after=1s); retrying in 1.0 s" in failing
    assert len(lines(bot, "telegram: delivery still failing")) <= 4
    (recovered,) = lines(bot, "telegram: delivery recovered")
    assert "4 failures (rate_limited 4), 1 message delayed" in recovered
    found = await metrics(bot)
    assert (
        value(
            found,
            "concernbot_delivery_failures_total",
            channel="telegram",
            **{"class": "rate_limited"},
        )
        == 4.0
    )
    assert value(found, "concernbot_delivery_recoveries_total", channel="telegram") == 1.0
    assert [m["chat"]["id"] for m in telegram.sent] == [7171]
    assert CANARY.split(":")[0] not in bot.log.read_text()
