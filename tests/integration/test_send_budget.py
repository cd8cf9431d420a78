"""The send budget shared through PostgreSQL: several instances' limiters draw their slots
from one row, so together they keep the platform's limit."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.ratelimit import SendLimiter
from adapters.shared_budget import SharedBudget, budgeted
from bot.storage.engine import create_engine
from bot.storage.migrate import upgrade
from bot.storage.send_budget import MOST_AHEAD, SendBudgetLedger
from bot.testing import database_url, using_postgres
from tests.unit.test_ratelimit_shared import LIMIT, VirtualTime, busiest, rate, send

pytestmark = pytest.mark.skipif(
    not using_postgres(), reason="the budget is shared through PostgreSQL"
)

CHANNELS = ("telegram", "slack")
EPOCH = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[list[AsyncEngine]]:
    """Three engines on one migrated database, as three instances have."""
    url = database_url(tmp_path / "budget.db")
    made = [create_engine(url) for _ in range(3)]
    await upgrade(made[0])
    yield made
    for engine in made:
        await engine.dispose()


def instance(engine: AsyncEngine, clock: VirtualTime) -> tuple[SendLimiter, SharedBudget]:
    """An instance's Telegram limiter, its database clock following the virtual one."""
    ledger = SendBudgetLedger(
        engine, "telegram", clock=lambda: EPOCH + timedelta(seconds=clock.now)
    )
    budget = SharedBudget(ledger.lease, LIMIT, monotonic=clock.monotonic)
    return SendLimiter(LIMIT, 1.0, 3.0, clock.monotonic, clock.sleep, budget=budget), budget


async def test_three_instances_on_one_database_never_send_more_than_the_limit_in_a_second(
    engines: list[AsyncEngine],
) -> None:
    clock = VirtualTime()
    limiters = [instance(engine, clock)[0] for engine in engines]
    sent: list[float] = []

    await clock.run(
        *(send(lim, clock, range(i * 100, i * 100 + 100), sent) for i, lim in enumerate(limiters))
    )

    assert len(sent) == 300
    assert busiest(sent) <= LIMIT
    assert busiest(sent, 1.029) <= LIMIT  # the margin, less the database's microseconds
    assert rate(sent) >= 0.95 * LIMIT


async def test_a_lease_counts_the_instances_that_leased_lately(
    engines: list[AsyncEngine],
) -> None:
    ledgers = [SendBudgetLedger(engine, "telegram") for engine in engines]
    for ledger in ledgers:
        await ledger.lease(0.1)

    assert (await ledgers[0].lease(0.1)).holders == 3
    assert (await SendBudgetLedger(engines[0], "slack").lease(0.1)).holders == 1


async def test_a_lease_after_the_database_clock_stepped_back_is_never_far_ahead(
    engines: list[AsyncEngine],
) -> None:
    ledger = SendBudgetLedger(engines[0], "telegram")
    await ledger.lease(0.1)
    async with engines[0].begin() as connection:
        await connection.execute(text("UPDATE send_budgets SET tat = tat + interval '1 hour'"))

    leased = await ledger.lease(0.1)

    assert leased.ahead <= MOST_AHEAD.total_seconds() + 0.1


async def test_telegram_and_slack_on_postgresql_each_share_a_budget_between_instances(
    engines: list[AsyncEngine],
) -> None:
    budgets = [budgeted(engine, channel, 30.0) for engine in engines for channel in CHANNELS]
    assert all(isinstance(budget, SharedBudget) for budget in budgets)
    first, first_slack, second = budgets[:3]
    assert first is not None
    assert first_slack is not None
    assert second is not None

    for budget in (first, first_slack, second):
        await budget.delay(time.monotonic())

    async with engines[2].connect() as connection:
        rows = await connection.execute(
            text("SELECT channel, count(*) FROM send_budget_holders GROUP BY channel")
        )
        holders = {channel: count for channel, count in rows}
    assert holders == {"telegram": 2, "slack": 1}  # one row per channel, shared by instances


async def test_an_unreachable_database_falls_back_to_the_local_share_without_failing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    nowhere = create_engine("postgresql+psycopg://postgres@127.0.0.1:9/none")
    clock = VirtualTime()
    budget = SharedBudget(
        SendBudgetLedger(nowhere, "telegram").lease, LIMIT, monotonic=clock.monotonic
    )
    limiter = SendLimiter(LIMIT, 1.0, 3.0, clock.monotonic, clock.sleep, budget=budget)
    sent: list[float] = []
    try:
        await clock.run(send(limiter, clock, range(60), sent))
    finally:
        await nowhere.dispose()

    assert budget.falling_back
    assert busiest(sent) <= LIMIT
    assert any("could not be leased (OperationalError)" in r.getMessage() for r in caplog.records)
