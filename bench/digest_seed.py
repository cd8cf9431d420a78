"""Made-up data for benchmark 4: the members and a large number of concerns of one network,
generated deterministically and bulk-loaded into a migrated database (SQLite or PostgreSQL).

The spread follows a busy network: concerns over two years with a rising trend, subjects and
settings in realistic proportions, acknowledgement delays around the deadline, closures with
outcomes, usefulness answers and coordinators' notes. Free text is one made-up value per
column, sealed once and reused: the digest never reads it. Status history is written for the
open concerns only (the digest's personal part reads it; nothing in the digest reads that of
closed ones).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from math import sqrt
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Network, Outcome, Role, Status
from bot.storage.crypto import Cipher

SPAN = timedelta(days=730)
MINUTE, HOUR, DAY = 60, 3600, 86_400
SPAN_S = SPAN.days * DAY
BATCH = 25_000
COORDINATORS = 20
FACTS = (
    "Made-up benchmark text: during a break a pupil repeated slogans from an online channel "
    "and showed classmates a video; two of them laughed it off, one looked uneasy and left. "
    "The same pupil missed the last two lessons on citizenship."
)

Row = tuple[Any, ...]
Stamp = Callable[[int], str]
"""A moment (Unix seconds) as text the database takes for a timestamp column."""
_TIMES = [
    f"{h:02d}:{m:02d}:{s:02d}.000000" for h in range(24) for m in range(60) for s in range(60)
]


@cache
def _day(days: int) -> str:
    return (datetime(1970, 1, 1) + timedelta(days=days)).strftime("%Y-%m-%d")


def sqlite_stamp(seconds: int) -> str:
    """A moment in the text form SQLAlchemy stores in SQLite (the benchmark checks this);
    built from cached parts, as formatting millions of datetimes is slow."""
    days, rest = divmod(seconds, DAY)
    return f"{_day(days)} {_TIMES[rest]}"


def postgres_stamp(seconds: int) -> str:
    """A moment as PostgreSQL's text input for ``timestamptz`` in UTC."""
    return sqlite_stamp(seconds) + "+00"


class Pick:
    """Picks values by weight with one random number (faster than ``random.choices``)."""

    def __init__(self, table: Sequence[tuple[Any, float]]) -> None:
        self.values = [v for v, _ in table]
        self.bounds: list[float] = []
        total = 0.0
        for _, weight in table:
            total += weight
            self.bounds.append(total)
        self.total = total

    def __call__(self, rng: random.Random) -> Any:
        """One value, chosen with the table's weights."""
        return self.values[bisect(self.bounds, rng.random() * self.total)]


S = Status
SUBJECT = Pick((("person", 45), ("group", 20), ("incident", 20), ("online", 15)))
SETTING = Pick(
    (
        ("school", 35),
        ("youth_work", 20),
        ("neighbourhood", 15),
        ("home", 8),
        ("online", 12),
        ("sports", 5),
        ("other", 5),
    )
)
AGE_BAND = Pick((("under_12", 5), ("12_15", 35), ("16_17", 35), ("18_23", 15), ("mixed", 10)))
SOURCE = Pick((("own_observation", 50), ("young_person", 15), ("colleague", 15), ("online", 20)))
URGENCY = Pick((("acute", 2), ("soon", 18), ("week", 45), ("no_rush", 35)))
OUTCOME = Pick(tuple(zip(Outcome, (30, 30, 15, 15, 10), strict=True)))
ANSWER = Pick((("yes", 55), ("partly", 30), ("no", 15)))
DIGEST = Pick((("weekly", 80), ("monthly", 12), ("off", 8)))
# Status by the age of a concern: recent ones mostly open, old ones nearly all closed.
BY_AGE = (
    (2 * DAY, Pick(((S.RECEIVED, 50), (S.ACKNOWLEDGED, 40), (S.IN_ANALYSIS, 10)))),
    (
        14 * DAY,
        Pick(
            (
                (S.RECEIVED, 5),
                (S.ACKNOWLEDGED, 25),
                (S.IN_ANALYSIS, 30),
                (S.ACTION_TAKEN, 15),
                (S.CLOSED, 25),
            )
        ),
    ),
    (
        90 * DAY,
        Pick(((S.ACKNOWLEDGED, 2), (S.IN_ANALYSIS, 3), (S.ACTION_TAKEN, 5), (S.CLOSED, 90))),
    ),
    (2 * SPAN_S, Pick(((S.IN_ANALYSIS, 0.1), (S.ACTION_TAKEN, 0.1), (S.CLOSED, 99.8)))),
)
STEPS = (S.ACKNOWLEDGED, S.IN_ANALYSIS, S.ACTION_TAKEN, S.CLOSED)

COLUMNS: dict[str, tuple[str, ...]] = {
    "members": (
        "id", "network_id", "organisation_id", "role", "language", "display_name_enc",
        "pseudonym", "created_at", "unreachable", "remove_messages", "digest", "backup",
    ),
    "identities": ("channel", "external_id", "member_id", "created_at"),
    "concerns": (
        "id", "reference", "network_id", "organisation_id", "reporter_id", "mode", "subject",
        "age_band", "setting", "source", "urgency", "acute", "contact_allowed", "identity_shown",
        "actions_taken", "facts_enc", "interpretation_enc", "counter_signals_enc", "status",
        "outcome", "assignee_id", "acknowledged_by", "acknowledged_at", "created_at",
        "acknowledge_due", "feedback_due", "last_feedback_at", "closed_at",
    ),
    "status_changes": ("id", "concern_id", "status", "outcome", "note_enc", "by_member_id", "at"),
    "usefulness": ("concern_id", "network_id", "answer", "remark_enc", "at"),
    "trend_notes": ("id", "network_id", "author_id", "note_enc", "created_at"),
}  # fmt: skip
"""The columns each generated row fills, in order; parents before children."""


@dataclass(frozen=True)
class Sealed:
    """One made-up value per encrypted column, sealed once."""

    name: str
    facts: str
    interpretation: str
    counter_signals: str
    empty_note: str
    feedback_note: str
    trend_note: str

    @classmethod
    def made_up(cls, cipher: Cipher) -> Sealed:
        """Seal the made-up values with ``cipher``."""
        return cls(
            name=cipher.seal("Bench Member", "members.display_name"),
            facts=cipher.seal(FACTS, "concerns.facts"),
            interpretation=cipher.seal("Made up: testing limits?", "concerns.interpretation"),
            counter_signals=cipher.seal("Made up: plays football.", "concerns.counter_signals"),
            empty_note=cipher.seal("", "status_changes.note"),
            feedback_note=cipher.seal("Made up: discussed with the school.", "status_changes.note"),
            trend_note=cipher.seal("Made up: more talk online after the news.", "trend_notes.note"),
        )


@dataclass
class Batch:
    """Rows for some tables, as tuples in the order of ``COLUMNS``."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in COLUMNS})

    def __len__(self) -> int:
        return sum(len(r) for r in self.rows.values())


@dataclass
class Generator:
    """Deterministic made-up rows for ``network``, ending just before ``end`` (Unix seconds)."""

    network: Network
    end: int
    concerns: int
    subscribers: int
    sealed: Sealed
    stamp: Stamp
    rng: random.Random = field(default_factory=lambda: random.Random(20261207))

    @property
    def reporters(self) -> range:
        """The ids of the reporters (the coordinators come first)."""
        return range(COORDINATORS + 1, self.subscribers + 1)

    def people(self) -> Batch:
        """Every member of the network, each with a chat address, and the coordinators' notes."""
        batch, rng, stamp = Batch(), self.rng, self.stamp
        orgs = [o.id for o in self.network.organisations]
        begin = self.end - SPAN_S
        joined = stamp(begin - 30 * DAY)
        for member_id in range(1, self.subscribers + 1):
            coordinator = member_id <= COORDINATORS
            role = Role.COORDINATOR if coordinator else Role.REPORTER
            batch.rows["members"].append(
                (
                    member_id,
                    self.network.id,
                    orgs[member_id % len(orgs)],
                    role.value,
                    "nl" if rng.random() < 0.8 else "en",
                    self.sealed.name,
                    f"R-B{member_id:06d}",
                    joined,
                    rng.random() < 0.01,
                    True,
                    "weekly" if coordinator else DIGEST(rng),
                    coordinator and member_id % 2 == 0,
                )
            )
            channel, external = (
                ("slack", f"T0BENCH:U{member_id}") if coordinator else ("telegram", str(member_id))
            )
            batch.rows["identities"].append((channel, external, member_id, joined))
        for index in range(SPAN.days // 3):
            at = stamp(begin + 3 * index * DAY + int(rng.uniform(8, 17) * HOUR))
            author = 1 + index % COORDINATORS
            batch.rows["trend_notes"].append(
                (index + 1, self.network.id, author, self.sealed.trend_note, at)
            )
        return batch

    def moments(self) -> list[int]:
        """When each concern was shared (Unix seconds), in order; the rate rises from 0.5 to
        1.5 times the mean over the two years (the inverse of F(x) = x/2 + x²/2)."""
        begin = self.end - SPAN_S
        fractions = sorted(self.rng.random() for _ in range(self.concerns))
        return [begin + int((sqrt(0.25 + 2 * u) - 0.5) * SPAN_S) for u in fractions]

    def batches(self) -> Iterator[Batch]:
        """The concerns in batches, each with the history and usefulness rows it needs."""
        batch = Batch()
        change_id = 0
        for index, created in enumerate(self.moments(), start=1):
            change_id = self._concern(batch, index, created, change_id)
            if len(batch.rows["concerns"]) >= BATCH:
                yield batch
                batch = Batch()
        yield batch

    def _status(self, created: int) -> Status:
        age = self.end - created
        for limit, pick in BY_AGE:
            if age < limit:
                return cast(Status, pick(self.rng))
        raise AssertionError("BY_AGE covers every age")

    def _concern(self, batch: Batch, index: int, created: int, change_id: int) -> int:
        rng, stamp, end = self.rng, self.stamp, self.end
        status = self._status(created)
        urgency = URGENCY(rng)
        acute = urgency == "acute"
        due = created + (15 * MINUTE if acute else 2 * DAY)
        feedback_due = created + 14 * DAY
        reporter = rng.choice(self.reporters)
        coordinator = 1 + rng.randrange(COORDINATORS)
        acknowledged = closed = None
        outcome = None
        if status is not S.RECEIVED:
            delay = int(rng.expovariate(1 / (20 * MINUTE if acute else 20 * HOUR)))
            acknowledged = max(min(created + delay, end - MINUTE), created)
            feedback_due = acknowledged + 14 * DAY
        if status is S.CLOSED:
            assert acknowledged is not None
            closed = acknowledged + int(rng.expovariate(1 / (10 * DAY)))
            if closed >= end:
                closed = acknowledged + int((end - acknowledged) * rng.random())
            outcome = OUTCOME(rng).value
            answered = closed + int(rng.expovariate(1 / (30 * HOUR)))
            if rng.random() < 0.35 and answered < end:
                batch.rows["usefulness"].append(
                    (index, self.network.id, ANSWER(rng), None, stamp(answered))
                )
        elif acknowledged is not None:
            at = acknowledged
            for step in STEPS[: STEPS.index(status) + 1]:
                change_id += 1
                feedback = step is not S.ACKNOWLEDGED and rng.random() < 0.4
                note = self.sealed.feedback_note if feedback else self.sealed.empty_note
                batch.rows["status_changes"].append(
                    (change_id, index, step.value, None, note, coordinator, stamp(at))
                )
                at += int((end - at) * rng.random())
        batch.rows["concerns"].append(
            (
                index,
                f"B{index:07d}",
                self.network.id,
                self.network.organisations[reporter % len(self.network.organisations)].id,
                reporter,
                "advice" if rng.random() < 0.35 else "share",
                SUBJECT(rng),
                AGE_BAND(rng),
                SETTING(rng),
                SOURCE(rng),
                urgency,
                acute,
                rng.random() < 0.8,
                rng.random() < 0.3,
                "talked_colleague" if rng.random() < 0.5 else "",
                self.sealed.facts,
                self.sealed.interpretation,
                self.sealed.counter_signals,
                status.value,
                outcome,
                None if acknowledged is None else coordinator,
                None if acknowledged is None else coordinator,
                None if acknowledged is None else stamp(acknowledged),
                stamp(created),
                stamp(due),
                stamp(feedback_due),
                None if acknowledged is None else stamp(acknowledged),
                None if closed is None else stamp(closed),
            )
        )
        return change_id


async def load(connection: AsyncConnection, batch: Batch) -> None:
    """Bulk-insert a batch: COPY on PostgreSQL, executemany on SQLite."""
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        async with driver.cursor() as cursor:
            for table, rows in batch.rows.items():
                if not rows:
                    continue
                names = ", ".join(COLUMNS[table])
                async with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        await copy.write_row(row)
        return
    for table, rows in batch.rows.items():
        if rows:
            names = ", ".join(COLUMNS[table])
            marks = ", ".join("?" * len(COLUMNS[table]))
            await connection.exec_driver_sql(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", rows
            )


async def after_load(connection: AsyncConnection) -> None:
    """Move PostgreSQL's id sequences past the explicit ids, and gather planner statistics
    (autovacuum would, soon after a load like this)."""
    if connection.dialect.name != "postgresql":
        return
    for table in ("members", "concerns", "status_changes", "trend_notes"):
        await connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
    for table in COLUMNS:
        await connection.exec_driver_sql(f"ANALYZE {table}")
