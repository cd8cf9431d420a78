"""``concernbot jobs run NAME --dry-run``: a job run in a transaction that is rolled back.

It shows what the run would send (to whom, on which channel, what kind of message, how many)
and which rows it would add, change or remove; it never shows a message's text, which may
carry a concern's content, and it stores nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from bot.channels.replies import Outgoing, Removal, Reply
from bot.scheduling.scheduler import JobRun, Scheduler
from bot.storage.labels import labels
from bot.storage.statements import Statements
from bot.storage.tables import metadata
from bot.storage.uow import UnitOfWork
from bot.storage.uow_factory import UnitOfWorkFactory

Snapshot = dict[str, dict[tuple[object, ...], int]]
"""Per table: each row's primary key and a hash of the whole row."""


@dataclass(frozen=True)
class Change:
    """How many rows of one table a run would add, change and remove."""

    added: int = 0
    changed: int = 0
    removed: int = 0


@dataclass(frozen=True)
class Rehearsal:
    """What a run would have done: the run, its messages summarised, its changes per table."""

    run: JobRun
    sends: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    changes: dict[str, Change] = field(default_factory=dict)


async def rehearse(
    uow_factory: UnitOfWorkFactory, scheduler: Scheduler, name: str, at: datetime | None
) -> Rehearsal:
    """Run job ``name`` as of ``at`` exactly as a real run would, then roll it all back."""
    async with uow_factory() as uow:
        before = await snapshot(uow.connection)
        run, messages = await scheduler.run_in(uow, name, at)
        after = await snapshot(uow.connection)
        sends = await _summarise(uow, messages)
        # Leaving the unit of work without a commit rolls every change back.
    return Rehearsal(run, sends, compare(before, after))


async def snapshot(statements: Statements) -> Snapshot:
    """Every row of every table, as primary key and row hash (read in the open transaction)."""
    tables: Snapshot = {}
    for table in metadata.sorted_tables:
        key = [table.columns.keys().index(c.name) for c in table.primary_key.columns]
        rows = await statements.execute(select(table))
        tables[table.name] = {
            tuple(row[i] for i in key) if key else tuple(row): hash(repr(tuple(row)))
            for row in rows
        }
    return tables


def compare(before: Snapshot, after: Snapshot) -> dict[str, Change]:
    """The tables whose rows differ between two snapshots, with counts."""
    changes = {}
    for table, old in before.items():
        new = after.get(table, {})
        change = Change(
            added=len(new.keys() - old.keys()),
            changed=sum(1 for k in new.keys() & old.keys() if new[k] != old[k]),
            removed=len(old.keys() - new.keys()),
        )
        if change != Change():
            changes[table] = change
    return changes


def _counted(count: int, noun: str) -> str:
    """``1 message``, ``2 messages`` (the operator's terminal speaks English)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def kind(message: Outgoing) -> str:
    """What sort of message this is, without its text."""
    if isinstance(message, Removal):
        return f"removal of {_counted(len(message.message_ids), 'chat message')}"
    if not isinstance(message, Reply):
        return "home view"
    sort = "file" if message.attachment is not None else "message"
    if message.card is not None and message.card.replaces:
        sort = "update of a posted message"
    return f"{sort} with {len(message.choices)} choices" if message.choices else sort


async def _summarise(uow: UnitOfWork, messages: list[Outgoing]) -> Counter[tuple[str, str, str]]:
    members: dict[tuple[str, str], int | None] = {}
    for message in messages:
        address = (message.to.channel, message.to.user_id)
        if address not in members:
            member = await uow.members.by_address(message.to)
            members[address] = member.id if member is not None else None
    known = await labels(uow, members.values())
    sends: Counter[tuple[str, str, str]] = Counter()
    for message in messages:
        member_id = members[(message.to.channel, message.to.user_id)]
        who = known[member_id] if member_id is not None else "a shared channel"
        sends[(who, message.to.channel, kind(message))] += 1
    return sends


def report(rehearsal: Rehearsal, shown_at: str) -> list[str]:
    """The lines ``jobs run --dry-run`` prints."""
    run = rehearsal.run
    head = f"{run.job} {run.period} (as of {shown_at}): dry run, nothing was sent or stored."
    if not run.ran:
        return [head, "Already done for this period: a real run would send and change nothing."]
    lines = [head, f"Would send {_counted(run.messages, 'message')}:"]
    for (who, channel, sort), count in sorted(rehearsal.sends.items()):
        lines.append(f"  {count} x {sort} to {who} on {channel}")
    lines.append("Would change:" if rehearsal.changes else "Would change no stored row.")
    lines += [f"  {table}: {_counts(change)}" for table, change in rehearsal.changes.items()]
    return lines


def _counts(change: Change) -> str:
    parts: Mapping[str, int] = {
        "added": change.added,
        "changed": change.changed,
        "removed": change.removed,
    }
    return ", ".join(f"{count} {what}" for what, count in parts.items() if count)
