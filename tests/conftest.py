"""Suite-wide set-up: the PostgreSQL mode switch and its markers."""

from __future__ import annotations

import os

import pytest

from bot.testing import POSTGRES_ENV, using_postgres


def pytest_configure(config: pytest.Config) -> None:
    """Declare the markers this suite uses."""
    config.addinivalue_line(
        "markers", "sqlite_only: inspects SQLite files directly; skipped against PostgreSQL"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip SQLite-only tests when the run targets PostgreSQL."""
    if not using_postgres():
        return
    skip = pytest.mark.skip(reason="inspects SQLite files; this run targets PostgreSQL")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _fresh_postgres_databases() -> None:
    """Against PostgreSQL, drop the per-test databases of earlier runs first."""
    server = os.environ.get(POSTGRES_ENV)
    if server:
        import psycopg
        from sqlalchemy.engine import make_url

        plain = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain, autocommit=True) as connection:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'cb\\_%'"
                )
            ]
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
