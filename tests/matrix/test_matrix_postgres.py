"""The crypto store on PostgreSQL (when CONCERNBOT_TEST_POSTGRES_URL names a server): an
encrypted round trip, and the same device after a restart."""

from __future__ import annotations

import os
import secrets
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from yarl import URL

from tests.matrix.matrix_world import MatrixWorld

SERVER = os.environ.get("CONCERNBOT_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not SERVER, reason="CONCERNBOT_TEST_POSTGRES_URL is not set")


async def fresh_database() -> str:
    """A new, empty database on the test server; its mautrix URL (postgresql://…)."""
    server = URL(SERVER).with_scheme("postgresql")  # asyncpg takes no +driver
    name = f"matrix_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(str(server.with_path("/postgres")))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return str(server.with_path(f"/{name}"))


@pytest.fixture
async def matrix_overrides() -> dict[str, Any]:
    """This module's bot keeps its crypto store in a fresh PostgreSQL database."""
    return {"store": await fresh_database()}


async def test_the_crypto_store_on_postgresql_survives_a_restart(world: MatrixWorld) -> None:
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    device = world.adapter.session.device_id
    await world.stop()
    await world.start()

    assert world.adapter.session.device_id == device
    before = len(reporter.texts())
    await reporter.say("/privacy")
    await reporter.wait_text(device, before)
