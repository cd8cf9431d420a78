"""The Matrix tests' homeserver (one real Synapse per test run, on loopback) and the running
bot at it (``world``), whose ``[matrix]`` a module changes by overriding ``matrix_overrides``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.matrix.channel import MatrixAdapter
from tests.matrix.homeserver import Homeserver, HomeserverFailed
from tests.matrix.matrix_world import MatrixWorld, recording


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    """A running Synapse; a test that needs it FAILS when it cannot start (never skips)."""
    server = Homeserver(tmp_path_factory.mktemp("synapse"))
    try:
        server.start()
    except HomeserverFailed as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def matrix_overrides() -> dict[str, Any]:
    """``[matrix]`` settings of this module's bot beyond the test defaults (none here)."""
    return {}


@pytest.fixture
async def world(
    homeserver: Homeserver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    matrix_overrides: dict[str, Any],
) -> AsyncIterator[MatrixWorld]:
    """A running bot with a fresh Matrix account at the test homeserver; its sends recorded."""
    bot = await homeserver.register(homeserver.unique("bot"), "pw-bot")
    running = MatrixWorld(homeserver, tmp_path, bot, overrides=matrix_overrides)
    monkeypatch.setattr(MatrixAdapter, "send", recording(running))
    await running.start()
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record at DEBUG, from before the bot's first start: mautrix's too, whatever
    an earlier test's logging set up left its loggers at (``concernbot`` holds them at
    WARNING, the adapter its crypto logger at ERROR)."""
    caplog.set_level(logging.DEBUG)
    for name in ("mau", "mau.crypto"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog
