"""Reading the id the database gave a new row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult


def new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just created."""
    key = result.inserted_primary_key
    assert key is not None, "INSERT returned no primary key"
    return int(key[0])
