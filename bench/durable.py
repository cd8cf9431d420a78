"""The durable peer's journal: every turn of the ConversationHandler peer written to SQLite
and synced to disk before its reply goes out, as concernbot commits each turn.

PicklePersistence cannot be made durable per turn: the library writes it from a timer
(``update_interval``), after the replies have gone, rewriting the whole pickle (every user's
data) each time and never syncing it. So the durable peer keeps its PicklePersistence and also
writes the turn's row (the dialog's next state and answers, or the shared concern) in one
transaction on a SQLite file set up as concernbot's (WAL, ``synchronous=FULL``: the commit
syncs the write-ahead log), the way concernbot's storage calls it: sqlite3 statements in
place, the commit (which waits for the disk) on a worker thread, one turn's transaction at a
time.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS dialogs (user_id INTEGER PRIMARY KEY, state INTEGER NOT NULL,"
    " answers TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS shared (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL,"
    " reference TEXT NOT NULL, answers TEXT NOT NULL)",
)


class Journal:
    """One SQLite connection; each method is one committed (synced) transaction."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=FULL")
        for statement in SCHEMA:
            self._connection.execute(statement)
        self._one_at_a_time = asyncio.Lock()

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    async def turn(self, user_id: int, state: int, answers: Mapping[str, Any]) -> None:
        """Store a dialog's state after a turn."""
        await self._commit(
            (
                "INSERT OR REPLACE INTO dialogs (user_id, state, answers) VALUES (?, ?, ?)",
                (user_id, state, json.dumps(dict(answers))),
            )
        )

    async def share(self, user_id: int, reference: str, answers: Mapping[str, Any]) -> None:
        """Store a shared concern and end its dialog, in one transaction."""
        await self._commit(
            (
                "INSERT INTO shared (user_id, reference, answers) VALUES (?, ?, ?)",
                (user_id, reference, json.dumps(dict(answers))),
            ),
            ("DELETE FROM dialogs WHERE user_id = ?", (user_id,)),
        )

    async def _commit(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        async with self._one_at_a_time:
            self._connection.execute("BEGIN IMMEDIATE")
            for sql, parameters in statements:
                self._connection.execute(sql, parameters)
            await asyncio.to_thread(self._connection.execute, "COMMIT")
