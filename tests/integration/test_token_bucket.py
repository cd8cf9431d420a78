"""The sender's token bucket, as each database takes its tokens (PostgreSQL in one statement,
SQLite in two): the same answers at the same moments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.composition import App
from bot.testing import FakeClock, example_settings, start_app

KEY = "rate:telegram:4401"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """The bot on this test's database."""
    started = await start_app(example_settings(tmp_path / "bucket.db"), FakeClock())
    yield started
    await started.close()


async def take(app: App, seconds: float, key: str = KEY) -> bool:
    """Take a token (capacity 2, one a second) at ``seconds`` after the clock's start."""
    at = app.clock.now() + timedelta(seconds=seconds)
    async with app.uow() as uow:
        taken = await uow.attempts.take_token(key, 2, 1.0, at)
        await uow.commit()
    return taken


async def test_a_full_bucket_gives_its_tokens_then_refuses_until_one_has_refilled(
    app: App,
) -> None:
    assert [await take(app, 0), await take(app, 0), await take(app, 0)] == [True, True, False]
    assert await take(app, 0.999) is False  # 999 thousandths of a token: not yet one
    assert await take(app, 1.0) is True  # the thousandths of the refusal above count
    assert await take(app, 1.5) is False


async def test_a_bucket_never_holds_more_than_its_capacity(app: App) -> None:
    assert await take(app, 0) is True
    results = [await take(app, 3600) for _ in range(3)]
    assert results == [True, True, False]


async def test_a_sender_back_after_a_year_has_a_full_bucket(app: App) -> None:
    # A year's refill is far beyond an integer's range: it is capped first (PostgreSQL failed
    # the turn with a DataError when it was not).
    assert [await take(app, 0), await take(app, 0)] == [True, True]
    year = 366 * 24 * 3600.0
    assert [await take(app, year) for _ in range(3)] == [True, True, False]


async def test_a_moment_before_the_last_refill_adds_nothing_and_buckets_are_apart(
    app: App,
) -> None:
    assert [await take(app, 10), await take(app, 10)] == [True, True]
    assert await take(app, 5) is False  # an event that arrived earlier: no time has passed
    assert await take(app, 10, key="rate:telegram:4402") is True
