"""Key rotation: every sealed column re-encrypted with the active key, in batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import Column, Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import tables
from bot.storage.crypto import Cipher

SEALED: tuple[tuple[Table, str], ...] = (
    (tables.members, "display_name_enc"),
    (tables.dialog_states, "state_enc"),
    (tables.concerns, "facts_enc"),
    (tables.concerns, "interpretation_enc"),
    (tables.concerns, "counter_signals_enc"),
    (tables.concerns, "question_enc"),
    (tables.concerns, "sources_detail_enc"),
    (tables.status_changes, "note_enc"),
    (tables.questions, "question_enc"),
    (tables.questions, "answer_enc"),
    (tables.outbox, "payload_enc"),
    (tables.trend_notes, "note_enc"),
    (tables.usefulness, "remark_enc"),
    (tables.additions, "text_enc"),
    (tables.case_events, "text_enc"),
    (tables.totp_secrets, "secret_enc"),
    (tables.agreements, "agreed_enc"),
)
"""Every column that holds sealed text; its context is ``<table>.<column without _enc>``."""

Progress = Callable[[int, int], None]


def context_of(table: Table, column: str) -> str:
    """The associated data a column's values are sealed with."""
    return f"{table.name}.{column.removesuffix('_enc')}"


def _key_columns(table: Table) -> list[Column[object]]:
    return list(table.primary_key.columns)


async def key_usage(engine: AsyncEngine) -> Counter[str]:
    """How many stored values each key id sealed."""
    usage: Counter[str] = Counter()
    async with engine.connect() as connection:
        for table, column in SEALED:
            values = await connection.execute(
                select(table.c[column]).where(table.c[column].is_not(None))
            )
            usage.update(Cipher.key_id_of(value) for (value,) in values)
    return usage


async def rotate(
    engine: AsyncEngine, cipher: Cipher, batch: int = 500, progress: Progress | None = None
) -> int:
    """Re-seal every value not sealed with the active key; returns how many were rotated."""
    active = cipher.ring.active_id
    total = sum(n for kid, n in (await key_usage(engine)).items() if kid != active)
    done = 0
    for table, column in SEALED:
        context = context_of(table, column)
        keys = _key_columns(table)
        while True:
            async with engine.begin() as connection:
                rows = list(
                    await connection.execute(
                        select(*keys, table.c[column])
                        .where(
                            table.c[column].is_not(None), ~table.c[column].like(f"v1${active}$%")
                        )
                        .limit(batch)
                    )
                )
                for row in rows:
                    plain = cipher.open(str(row[-1]), context)
                    where = [key == row[i] for i, key in enumerate(keys)]
                    await connection.execute(
                        update(table).where(*where).values({column: cipher.seal(plain, context)})
                    )
            done += len(rows)
            if progress is not None and rows:
                progress(done, total)
            if len(rows) < batch:
                break
    return done
