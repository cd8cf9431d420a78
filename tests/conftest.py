"""Suite-wide set-up: the PostgreSQL mode switch and its markers."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bot.testing import CREATED_DATABASES, POSTGRES_ENV, using_postgres


def pytest_configure(config: pytest.Config) -> None:
    """Declare the markers this suite uses; refuse a PostgreSQL run without a server."""
    config.addinivalue_line(
        "markers", "sqlite_only: inspects SQLite files directly; skipped against PostgreSQL"
    )
    if using_postgres():
        _check_postgres(os.environ[POSTGRES_ENV])


def _check_postgres(server: str) -> None:
    """Stop the run (not skip tests) when the PostgreSQL it was asked to use does not answer."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server)
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(plain, connect_timeout=10):
            pass
    except psycopg.Error as error:
        raise pytest.UsageError(
            f"{POSTGRES_ENV} is set, but no PostgreSQL answers at "
            f"{url.render_as_string(hide_password=True)} ({type(error).__name__}); "
            f"start it with scripts/test-postgres, or unset the variable to test on SQLite"
        ) from None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip SQLite-only tests when the run targets PostgreSQL."""
    if not using_postgres():
        return
    skip = pytest.mark.skip(reason="inspects SQLite files; this run targets PostgreSQL")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_databases() -> Iterator[None]:
    """Against PostgreSQL, drop the per-test databases this run created, when it ends
    (only its own: other runs may share the server)."""
    yield
    server = os.environ.get(POSTGRES_ENV)
    if not server or not CREATED_DATABASES:
        return
    import psycopg
    from sqlalchemy.engine import make_url

    plain = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        for name in sorted(CREATED_DATABASES):
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
