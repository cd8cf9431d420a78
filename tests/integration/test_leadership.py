"""Scheduler leadership on PostgreSQL: one advisory lock, one leader, a quick takeover."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.service import Service
from bot.scheduling.leadership import LOCK_KEY, Leadership
from bot.settings import Settings
from bot.storage.engine import create_engine
from bot.testing import FakeClock, database_url, example_settings, fixed_cipher, using_postgres

pytestmark = pytest.mark.skipif(
    not using_postgres(), reason="advisory-lock leadership needs PostgreSQL"
)
WITHIN = 10.0


async def eventually(check: Callable[[], Awaitable[bool]], within: float = WITHIN) -> None:
    """Poll ``check`` until it holds; fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


@pytest.fixture
def url(tmp_path: Path) -> str:
    """This test's PostgreSQL database."""
    return database_url(tmp_path / "leadership.db")


@pytest.fixture
async def engines(url: str) -> AsyncIterator[list[AsyncEngine]]:
    """Two engines on the database, as two instances have."""
    made = [create_engine(url), create_engine(url)]
    yield made
    for engine in made:
        await engine.dispose()


@pytest.fixture
async def contenders(engines: list[AsyncEngine]) -> AsyncIterator[list[Leadership]]:
    """A Leadership on each engine; released at the end."""
    made = [Leadership(engine) for engine in engines]
    yield made
    for leadership in made:
        await leadership.release()


async def lock_holders(engine: AsyncEngine) -> list[int]:
    """The backend pids holding the scheduler's advisory lock."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = 0 AND objid = :key AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"key": LOCK_KEY},
        )
        return [int(r.pid) for r in rows]


async def test_of_two_instances_exactly_one_leads_and_keeps_leading(
    contenders: list[Leadership], engines: list[AsyncEngine]
) -> None:
    first, second = contenders

    assert await first.try_lead()
    assert not await second.try_lead()

    assert (first.leading, second.leading) == (True, False)
    assert await first.try_lead()
    assert not await second.try_lead()
    assert not first.single_instance
    assert len(await lock_holders(engines[0])) == 1


async def test_when_the_leader_releases_the_other_takes_over_on_its_next_try(
    contenders: list[Leadership],
) -> None:
    first, second = contenders
    assert await first.try_lead()

    await first.release()

    assert not first.leading
    assert await second.try_lead()
    assert not await first.try_lead()


async def test_when_the_leaders_session_is_killed_the_other_takes_over_and_the_old_one_steps_down(
    contenders: list[Leadership], engines: list[AsyncEngine]
) -> None:
    first, second = contenders
    assert await first.try_lead()
    [pid] = await lock_holders(engines[1])

    async with engines[1].connect() as admin:
        # With a timeout, it returns once the backend has ended (and its locks with it).
        ended = await admin.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
        assert ended.scalar_one() is True
        await admin.commit()

    assert await second.try_lead()
    assert not await first.try_lead()
    assert not first.leading
    assert second.leading


# --- through the service -------------------------------------------------------------------------


def service_settings(database: Path) -> Settings:
    """Example settings, any free HTTP port, leadership checked every second."""
    settings = example_settings(database)
    return dataclasses.replace(
        settings,
        http=dataclasses.replace(settings.http, port=0),
        scheduler=dataclasses.replace(settings.scheduler, leader_check_seconds=1),
    )


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[list[Service]]:
    """Two services (no channels) on one database."""
    settings = service_settings(tmp_path / "leadership.db")
    clock = FakeClock()
    made = [Service(settings, {}, clock, fixed_cipher()) for _ in range(2)]
    try:
        for service in made:
            await service.start()
        yield made
    finally:
        for service in made:
            await service.stop()


async def leader_flags(services: list[Service]) -> list[bool]:
    """What each service's health report says about leading the scheduler."""
    return [bool((await s.health())["scheduler_leader"]) for s in services]


async def metric(service: Service, name: str) -> float:
    """One gauge from the service's /metrics page, over HTTP."""
    assert service.http is not None
    url = f"http://127.0.0.1:{service.http.port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        assert answer.status == 200
        page = await answer.text()
    values = [line.split()[1] for line in page.splitlines() if line.split(" ")[0] == name]
    assert len(values) == 1, page
    return float(values[0])


async def test_health_and_metrics_say_which_of_two_services_leads_and_a_successor_takes_over(
    services: list[Service],
) -> None:
    async def one_leads() -> bool:
        return sorted(await leader_flags(services)) == [False, True]

    await eventually(one_leads)
    flags = await leader_flags(services)
    leader, follower = (services[0], services[1]) if flags[0] else (services[1], services[0])
    assert await metric(leader, "concernbot_scheduler_leader") == 1.0
    assert await metric(follower, "concernbot_scheduler_leader") == 0.0
    health = await follower.health()
    assert health["ok"] is True
    assert health["scheduler_leader"] is False

    await leader.stop()

    async def follower_leads() -> bool:
        return bool((await follower.health())["scheduler_leader"])

    await eventually(follower_leads)
    assert await metric(follower, "concernbot_scheduler_leader") == 1.0
    assert follower.scheduler is not None
    assert follower.scheduler.running
