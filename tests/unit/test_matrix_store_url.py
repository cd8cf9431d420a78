"""The crypto store's sqlite URL means what the bot's own [database] url means."""

from __future__ import annotations

from pathlib import Path

import pytest
from yarl import URL

from adapters.matrix.store import store_url


def test_three_slashes_are_relative_to_the_working_directory_and_the_folder_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = store_url("sqlite:///var/matrix/crypto.db")

    assert URL(url).path == str(tmp_path / "var" / "matrix" / "crypto.db")
    assert (tmp_path / "var" / "matrix").stat().st_mode & 0o777 == 0o700


def test_four_slashes_are_absolute_and_postgres_is_postgresql(tmp_path: Path) -> None:
    assert URL(store_url(f"sqlite:///{tmp_path}/a b/c.db")).path == f"{tmp_path}/a b/c.db"
    assert store_url("postgres://u@h/db") == "postgresql://u@h/db"
    assert store_url("postgresql://u@h/db") == "postgresql://u@h/db"
