"""The Matrix tests' homeserver: one real Synapse per test run, on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.matrix.homeserver import Homeserver, HomeserverFailed


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
