"""Outages in the log: one line when a channel's deliveries start failing, a summary at most
every report interval, one line when they recover, with counts; and the same in /metrics."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from adapters.slack.alert_channels import ChannelLacksBot
from bot import metrics
from bot.delivery.outages import DeliveryHealth, span
from bot.delivery.outcomes import (
    DeliveryError,
    Disconnected,
    Rejected,
    RetryLater,
    ServerError,
    Unreachable,
)
from bot.delivery.retry_policy import Verdict, judge
from bot.settings import OutboxSettings
from bot.testing import FakeClock

SETTINGS = OutboxSettings(max_attempts=50, base_backoff_seconds=1.0, max_backoff_seconds=30.0)
CHANNEL = "unit-slack"


def verdict(error: BaseException, attempts: int = 1) -> Verdict:
    """What the outbox decides for ``error`` (no jitter)."""
    return judge(error, attempts, SETTINGS, 1, CHANNEL, jitter=lambda: 0.5)


def lines(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[str]:
    """The delivery-health messages logged at ``level`` or above."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.delivery.outages" and r.levelno >= level
    ]


@pytest.fixture
def health(caplog: pytest.LogCaptureFixture) -> DeliveryHealth:
    """A tracker with a one-minute report interval, its lines captured at DEBUG."""
    caplog.set_level(logging.DEBUG)
    return DeliveryHealth(report_seconds=60.0)


def test_an_outage_is_logged_when_it_begins_every_minute_while_it_lasts_and_when_it_ends(
    health: DeliveryHealth, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    began = clock.now()
    failures = metrics.FAILURES.value(CHANNEL, "server_error")
    retries = metrics.RETRIES.value(CHANNEL)
    recoveries = metrics.RECOVERIES.value(CHANNEL)

    health.failed(CHANNEL, 1, verdict(ServerError("http_503")), clock.now())
    assert lines(caplog) == [
        "unit-slack: delivery failing (server_error http_503); retrying in 1.0 s; 1 message waiting"
    ]
    assert metrics.OUTAGE.value(CHANNEL) == 1.0
    assert metrics.FAILING_SINCE.value(CHANNEL) == began.timestamp()
    # Seven messages fail every five seconds for three minutes, now and then a network error.
    for step in range(1, 37):
        clock.advance(seconds=5)
        error = Disconnected("ClientConnectorError") if step % 6 == 0 else ServerError("http_503")
        health.failed(CHANNEL, 1 + step % 7, verdict(error, attempts=step), clock.now())
    clock.advance(seconds=12)
    health.delivered(CHANNEL, 3, clock.now())
    health.delivered(CHANNEL, 4, clock.now())

    summaries = lines(caplog)[1:-1]
    assert summaries == [
        "unit-slack: delivery still failing after 1 min 0 s: 13 failures (network 2, "
        "server_error 11), 13 retries, 7 messages waiting, next retry in 30 s",
        "unit-slack: delivery still failing after 2 min 0 s: 25 failures (network 4, "
        "server_error 21), 25 retries, 7 messages waiting, next retry in 30 s",
        "unit-slack: delivery still failing after 3 min 0 s: 37 failures (network 6, "
        "server_error 31), 37 retries, 7 messages waiting, next retry in 30 s",
    ]
    assert lines(caplog)[-1] == (
        "unit-slack: delivery recovered after 3 min 12 s: 37 failures (network 6, "
        "server_error 31), 7 messages delayed"
    )
    # Every retry was logged at DEBUG, with counts.
    assert len(lines(caplog, logging.DEBUG)) == 37 + 1 + 3 + 1
    assert metrics.FAILURES.value(CHANNEL, "server_error") - failures == 31
    assert metrics.RETRIES.value(CHANNEL) - retries == 37
    assert metrics.RECOVERIES.value(CHANNEL) - recoveries == 1
    assert metrics.OUTAGE.value(CHANNEL) == metrics.FAILING_SINCE.value(CHANNEL) == 0.0
    assert metrics.WAITING.value(CHANNEL) == 0.0


def test_a_flapping_channel_logs_at_most_two_lines_a_minute_and_counts_the_short_outages(
    health: DeliveryHealth, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    recoveries = metrics.RECOVERIES.value(CHANNEL)
    # Telegram's 429 to one busy chat while the others' messages go out: for five minutes.
    for _ in range(150):
        health.failed(CHANNEL, 9, verdict(RetryLater(1.0)), clock.now())
        clock.advance(seconds=1)
        health.delivered(CHANNEL, 10, clock.now())
        clock.advance(seconds=1)

    logged = lines(caplog)
    assert len(logged) <= 2 * (5 + 1)
    assert logged[0] == (
        "unit-slack: delivery failing (rate_limited retry_after=1s); retrying in 1.0 s; "
        "1 message waiting"
    )
    assert logged[1].startswith("unit-slack: delivery recovered after 1.0 s: 1 failure")
    assert logged[2].endswith("(and 30 short outages since the last report)")
    assert metrics.RECOVERIES.value(CHANNEL) - recoveries == 150
    # Each outage told is told to its end: the last line says it recovered.
    assert "recovered" in logged[-1]


@pytest.mark.parametrize(
    "error",
    [Unreachable("blocked"), Rejected("invalid_blocks"), ChannelLacksBot(60.0)],
    ids=["recipient blocked the bot", "message refused", "channel lacks the bot"],
)
def test_a_failure_of_one_recipient_is_counted_but_is_no_outage(
    health: DeliveryHealth, caplog: pytest.LogCaptureFixture, error: DeliveryError
) -> None:
    clock = FakeClock()
    before = metrics.FAILURES.value(CHANNEL, error.kind)

    health.failed(CHANNEL, 5, verdict(error), clock.now())
    health.delivered(CHANNEL, 6, clock.now() + timedelta(seconds=1))

    assert lines(caplog) == []
    assert health.outage(CHANNEL) is None
    assert metrics.FAILURES.value(CHANNEL, error.kind) - before == 1


def test_a_message_given_up_during_an_outage_is_named_when_it_ends(
    health: DeliveryHealth, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    health.failed(CHANNEL, 1, verdict(TimeoutError(), attempts=3), clock.now())
    health.failed(CHANNEL, 2, verdict(ServerError("http_502"), attempts=50), clock.now())
    clock.advance(seconds=75)
    health.delivered(CHANNEL, 1, clock.now())

    assert lines(caplog)[-1] == (
        "unit-slack: delivery recovered after 1 min 15 s: 2 failures (network 1, "
        "server_error 1), 1 message delayed, 1 dead letter"
    )


def test_only_codes_reach_a_line_never_the_text_an_error_was_made_with(
    health: DeliveryHealth, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "CANARY-ACCOUNT-4f2e: he shared a video"
    for error in (DeliveryError(canary), ValueError(canary), ServerError(canary)):
        health.failed(CHANNEL, 1, verdict(error), FakeClock().now())

    assert canary not in caplog.text
    assert "CANARY" not in " ".join(lines(caplog, logging.DEBUG))
    assert "delivery failing (failed DeliveryError)" in lines(caplog)[0]


def test_durations_read_as_an_operator_would_say_them() -> None:
    assert [span(s) for s in (0.44, 9.94, 12.0, 192.4, 7500.0)] == [
        "0.4 s",
        "9.9 s",
        "12 s",
        "3 min 12 s",
        "2 h 5 min",
    ]
