"""Every Alembic revision, upgraded and downgraded on seeded data, on SQLite and PostgreSQL.

For each revision the schema of that revision is seeded with representative rows (raw SQL,
since the repositories only know the newest schema), brought to the head and read back, also
through the repositories. Then the schema is taken down one revision at a time with the rows
in place, and up again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.channels.events import Address
from bot.channels.replies import Reply
from bot.conversation.dialog import DialogState
from bot.domain.model import Role, Status
from bot.storage.crypto import Cipher
from bot.storage.engine import create_engine
from bot.storage.migrate import alembic_config, downgrade, upgrade
from bot.storage.tables import metadata
from bot.storage.uow_factory import UnitOfWorkFactory
from bot.testing import database_url, fixed_cipher

REVISIONS = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010_dialog",
    "0011_twoway",
    "0012_advice",
    "0013_casefile",
    "0014_regie",
    "0015_totp",
    "0016_sheet",
    "0017_outbox_pending",
)
HEAD = REVISIONS[-1]
T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
REFERENCE = "K7Q-M3X"
FACTS = "A pupil praised an attack abroad in class, twice this week."
NETWORK, ORG = "demo", "jongerenwerk-noord"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# Tables each revision creates (and its downgrade drops).
CREATED = {
    "0001": (
        "members",
        "identities",
        "concerns",
        "status_changes",
        "questions",
        "dialog_states",
        "outbox",
        "access_log",
    ),
    "0002": ("invites", "processed_events", "attempts"),
    "0003": ("posted_messages", "trend_notes"),
    "0004": ("job_runs", "usefulness"),
    "0005": (),
    "0006": (),
    "0007": (),
    "0008": ("send_budgets", "send_budget_holders"),
    "0009": (),
    "0010_dialog": (),
    "0011_twoway": ("additions",),
    "0012_advice": (),
    "0013_casefile": ("case_events",),
    "0014_regie": (),
    "0015_totp": ("totp_secrets",),
    "0016_sheet": ("agreements",),
    "0017_outbox_pending": (),
}
HOLDER = 424242  # the instance holding a claim seeded at 0009


def tables_at(revision: str | None) -> tuple[str, ...]:
    """Every application table in the schema of ``revision`` (None: the empty base)."""
    if revision is None:
        return ()
    return tuple(t for r in REVISIONS if r <= revision for t in CREATED[r])


def below(revision: str) -> str:
    """The revision a one-step downgrade from ``revision`` leads to."""
    index = REVISIONS.index(revision)
    return REVISIONS[index - 1] if index else "base"


@dataclass
class Seeded:
    """The ids and counts of what ``seed`` wrote."""

    revision: str
    reporter: int
    coordinator: int
    concern: int
    counts: dict[str, int]


# --- seeding a schema of a given revision with raw SQL ------------------------------------------

_TYPES: dict[type, sa.types.TypeEngine[Any]] = {
    datetime: sa.DateTime(timezone=True),
    bool: sa.Boolean(),
    int: sa.Integer(),
    str: sa.Text(),
}


def _table(name: str, values: dict[str, Any], key: str | None = None) -> sa.TableClause:
    columns = [sa.column(k, _TYPES[type(v)]) for k, v in values.items() if v is not None]
    columns += [sa.column(k) for k, v in values.items() if v is None]
    if key is not None and key not in values:
        columns.append(sa.column(key, sa.Integer()))
    return sa.table(name, *columns)


async def _insert(connection: AsyncConnection, name: str, **values: Any) -> None:
    await connection.execute(_table(name, values).insert().values(**values))


async def _insert_id(connection: AsyncConnection, name: str, **values: Any) -> int:
    table = _table(name, values, "id")
    result = await connection.execute(table.insert().values(**values).returning(table.c.id))
    return int(result.scalar_one())


async def seed(connection: AsyncConnection, revision: str, cipher: Cipher) -> Seeded:
    """Write representative rows into every table the schema of ``revision`` has."""

    def at_least(needed: str) -> bool:
        return revision >= needed

    def member(name: str, role: Role, pseudonym: str) -> dict[str, Any]:
        values: dict[str, Any] = {
            "network_id": NETWORK,
            "organisation_id": ORG,
            "role": role.value,
            "language": "en",
            "display_name_enc": cipher.seal(name, "members.display_name"),
            "pseudonym": pseudonym,
            "created_at": T0,
            "unreachable": False,
        }
        if at_least("0002"):
            values["remove_messages"] = False
        if at_least("0004"):
            values |= {"digest": "monthly", "backup": role is Role.COORDINATOR}
        return values

    reporter = await _insert_id(
        connection, "members", **member("Ria Reporter", Role.REPORTER, "R-RIA01")
    )
    coordinator = await _insert_id(
        connection, "members", **member("Cas Coordinator", Role.COORDINATOR, "R-CAS01")
    )
    await _insert(
        connection,
        "identities",
        channel="telegram",
        external_id="4201",
        member_id=reporter,
        created_at=T0,
    )
    await _insert(
        connection,
        "identities",
        channel="slack",
        external_id="T0TEST:U0CAS",
        member_id=coordinator,
        created_at=T0,
    )
    concern = await _insert_id(
        connection,
        "concerns",
        reference=REFERENCE,
        network_id=NETWORK,
        organisation_id=ORG,
        reporter_id=reporter,
        mode="share",
        subject="person",
        age_band="16_17",
        setting="school",
        source="own_observation",
        urgency="week",
        acute=False,
        contact_allowed=True,
        identity_shown=False,
        actions_taken="talked_colleague",
        facts_enc=cipher.seal(FACTS, "concerns.facts"),
        interpretation_enc=cipher.seal("He may be testing limits.", "concerns.interpretation"),
        counter_signals_enc=cipher.seal("", "concerns.counter_signals"),
        status=Status.ACKNOWLEDGED.value,
        outcome=None,
        assignee_id=coordinator,
        acknowledged_by=coordinator,
        acknowledged_at=T0 + timedelta(hours=2),
        created_at=T0,
        acknowledge_due=T0 + timedelta(days=2),
        feedback_due=T0 + timedelta(days=14),
        last_feedback_at=T0 + timedelta(hours=2),
        closed_at=None,
    )
    for status, by, hours in (("received", None, 0), ("acknowledged", coordinator, 2)):
        await _insert_id(
            connection,
            "status_changes",
            concern_id=concern,
            status=status,
            outcome=None,
            note_enc=cipher.seal("", "status_changes.note"),
            by_member_id=by,
            at=T0 + timedelta(hours=hours),
        )
    await _insert_id(
        connection,
        "questions",
        concern_id=concern,
        asked_by=coordinator,
        question_enc=cipher.seal("How old is he?", "questions.question"),
        asked_at=T0 + timedelta(hours=3),
        answer_enc=cipher.seal("Sixteen.", "questions.answer"),
        answered_at=T0 + timedelta(hours=4),
    )
    state = DialogState("share_concern", "setting", {"safety": "no", "mode": "advice"}, "ab12", 4)
    drafted: dict[str, Any] = {
        "member_id": reporter,
        "dialog": state.dialog,
        "step": state.step,
        "state_enc": cipher.seal(state.to_json(), "dialog_states.state"),
        "started_at": T0,
        "updated_at": T0 + timedelta(minutes=3),
    }
    if at_least("0004"):
        drafted["reminded_at"] = T0 + timedelta(hours=1)
    await _insert(connection, "dialog_states", **drafted)
    waiting = Reply(Address("telegram", "4201"), "Update on your concern K7Q-M3X: Acknowledged.")
    for state_name, sent_at in (("pending", None), ("sent", T0 + timedelta(hours=2))):
        await _insert_id(
            connection,
            "outbox",
            channel="telegram",
            address="4201",
            payload_enc=cipher.seal(json.dumps(waiting.to_payload()), "outbox.payload"),
            state=state_name,
            attempts=0 if sent_at is None else 1,
            next_attempt_at=T0,
            claimed_until=None,
            created_at=T0,
            sent_at=sent_at,
            last_error=None,
        )
    await _insert_id(
        connection,
        "access_log",
        at=T0 + timedelta(hours=1),
        actor_member_id=coordinator,
        on_behalf_of=None,
        channel="slack",
        concern_reference=REFERENCE,
        subject_member_id=None,
        action="view_details",
        outcome="ok",
    )
    if at_least("0002"):
        await _insert_id(
            connection,
            "invites",
            code_hash="ab" * 32,
            network_id=NETWORK,
            organisation_id=ORG,
            role="reporter",
            created_at=T0,
            expires_at=T0 + timedelta(days=7),
            used_at=T0 + timedelta(hours=1),
            used_by=reporter,
        )
        await _insert(connection, "processed_events", channel="telegram", event_id="1001", at=T0)
        await _insert(connection, "attempts", key="invite:telegram:666", window_start=T0, count=2)
    if at_least("0003"):
        await _insert(
            connection,
            "posted_messages",
            channel="slack",
            address="C0000000000",
            slot=f"alert:{REFERENCE}",
            message_id="1764320000.000001",
            concern_reference=REFERENCE,
            at=T0,
        )
        await _insert_id(
            connection,
            "trend_notes",
            network_id=NETWORK,
            author_id=coordinator,
            note_enc=cipher.seal("More online propaganda this month.", "trend_notes.note"),
            created_at=T0,
            used_in_digest=None,
        )
    if at_least("0004"):
        await _insert(connection, "job_runs", job="digest", period="2026-11-02T07:00Z", at=T0)
        await _insert(
            connection,
            "usefulness",
            concern_id=concern,
            network_id=NETWORK,
            answer="yes",
            remark_enc=cipher.seal("Quick and clear.", "usefulness.remark"),
            at=T0 + timedelta(days=1),
        )
    if at_least("0008"):
        await _insert(connection, "send_budgets", channel="telegram", tat=T0)
        await _insert(
            connection, "send_budget_holders", channel="telegram", instance="ab" * 16, seen_at=T0
        )
    if at_least("0009"):
        held = Reply(Address("telegram", "4202"), "Thank you. Reference: K7Q-M3X.")
        await _insert_id(
            connection,
            "outbox",
            channel="telegram",
            address="4202",
            payload_enc=cipher.seal(json.dumps(held.to_payload()), "outbox.payload"),
            state="pending",
            attempts=0,
            next_attempt_at=T0,
            claimed_until=T0 + timedelta(days=2),
            claimed_by=HOLDER,
            created_at=T0,
        )
    if at_least("0015_totp"):
        await _insert(
            connection,
            "totp_secrets",
            member_id=coordinator,
            secret_enc=cipher.seal(TOTP_SECRET, "totp_secrets.secret"),
            created_at=T0,
            confirmed_at=T0,
            last_step=59_000_000,
            verified_at=T0,
            failures=0,
        )
    counts = {name: await count(connection, name) for name in tables_at(revision)}
    return Seeded(revision, reporter, coordinator, concern, counts)


async def count(connection: AsyncConnection, table: str) -> int:
    """How many rows ``table`` holds."""
    return int((await connection.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def application_tables(engine: AsyncEngine) -> set[str]:
    """The tables in the database, Alembic's bookkeeping left out."""
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
    return set(names) - {"alembic_version"}


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision Alembic has recorded in the database."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda c: MigrationContext.configure(c).get_current_revision()
        )


def schema_differences(connection: sa.Connection) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match ``tables.py``."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A fresh, empty database (an SQLite file, or a PostgreSQL database of its own)."""
    created = create_engine(database_url(tmp_path / "migrations.db"))
    yield created
    await created.dispose()


@pytest.fixture
def cipher() -> Cipher:
    """The test cipher."""
    return fixed_cipher()


# --- checks at the head -------------------------------------------------------------------------


async def check_raw_rows_at_head(engine: AsyncEngine, seeded: Seeded) -> None:
    """Every seeded row is still there, with its values and the defaults of newer columns."""
    async with engine.connect() as connection:
        for table, expected in seeded.counts.items():
            assert await count(connection, table) == expected, table
        rows = (
            (await connection.execute(sa.text("SELECT * FROM members ORDER BY id")))
            .mappings()
            .all()
        )
        assert [r["pseudonym"] for r in rows] == ["R-RIA01", "R-CAS01"]
        # Columns added after the seeded revision get their server defaults.
        later_remove = seeded.revision < "0002"
        later_digest = seeded.revision < "0004"
        assert [bool(r["remove_messages"]) for r in rows] == [later_remove, later_remove]
        assert [r["digest"] for r in rows] == (
            ["weekly", "weekly"] if later_digest else ["monthly", "monthly"]
        )
        assert [bool(r["backup"]) for r in rows] == [False, not later_digest]
        reminded = (
            await connection.execute(sa.text("SELECT reminded_at FROM dialog_states"))
        ).scalar_one()
        assert (reminded is None) == later_digest


async def check_repositories_at_head(engine: AsyncEngine, cipher: Cipher, seeded: Seeded) -> None:
    """The repositories of the newest code read (and decrypt) what an older schema held."""
    uow_factory = UnitOfWorkFactory(engine, cipher)
    async with uow_factory() as uow:
        reporter = await uow.members.get(seeded.reporter)
        assert reporter is not None
        assert reporter.display_name == "Ria Reporter"
        assert reporter.role is Role.REPORTER
        assert await uow.members.address_of(seeded.coordinator) == Address("slack", "T0TEST:U0CAS")
        concern = await uow.concerns.by_reference(REFERENCE)
        assert concern is not None
        assert concern.facts == FACTS
        assert concern.status is Status.ACKNOWLEDGED
        assert [c.status for c in concern.history] == [Status.RECEIVED, Status.ACKNOWLEDGED]
        questions = await uow.questions.of_concern(seeded.concern)
        assert [(q.question, q.answer) for q in questions] == [("How old is he?", "Sixteen.")]
        state = await uow.dialogs.load(seeded.reporter)
        assert state is not None
        assert (state.step, state.answers["mode"]) == ("setting", "advice")
        entries = await uow.access_log.entries(concern_reference=REFERENCE)
        assert [(e.action, e.outcome) for e in entries] == [("view_details", "ok")]
        claimed = await uow.outbox.claim(
            ("telegram",), T0 + timedelta(days=1), timedelta(seconds=60)
        )
        assert [item.reply.to for item in claimed] == [Address("telegram", "4201")]
        assert isinstance(claimed[0].reply, Reply)
        assert "Acknowledged" in claimed[0].reply.text
        holders = await uow.claims.holders(T0 + timedelta(days=1))
        # The claim just made is this instance's; one seeded at 0009 is still its holder's
        # (unless 0009 was undone since: then it has no holder).
        assert uow_factory.owner in holders
        assert holders <= {uow_factory.owner, HOLDER}
        if seeded.revision >= "0003":
            found = await uow.posted.find(Address("slack", "C0000000000"), f"alert:{REFERENCE}")
            assert found == "1764320000.000001"
        record = await uow.totp.get(seeded.coordinator)
        # Seeded at 0013 and still there (the row counts are checked before, undone or not).
        if seeded.revision >= "0015_totp" and record is not None:
            assert (record.secret, record.active, record.last_step) == (
                TOTP_SECRET,
                True,
                59_000_000,
            )
    uow_factory.dispose()


# --- the tests ----------------------------------------------------------------------------------


def test_the_migrations_are_the_revisions_these_tests_seed_in_one_line() -> None:
    """A new revision must get seeds here before it can be released."""
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert tuple(revisions) == REVISIONS
    assert script.get_heads() == [HEAD]


@pytest.mark.parametrize("revision", REVISIONS)
async def test_rows_seeded_at_a_revision_survive_the_upgrade_to_the_head(
    engine: AsyncEngine, cipher: Cipher, revision: str
) -> None:
    await upgrade(engine, revision)
    assert await application_tables(engine) == set(tables_at(revision))
    async with engine.begin() as connection:
        seeded = await seed(connection, revision, cipher)

    await upgrade(engine)

    assert await current_revision(engine) == HEAD
    await check_raw_rows_at_head(engine, seeded)
    await check_repositories_at_head(engine, cipher, seeded)


@pytest.mark.parametrize("revision", REVISIONS)
async def test_seeded_rows_survive_each_step_down_and_up_again_from_a_revision(
    engine: AsyncEngine, cipher: Cipher, revision: str
) -> None:
    await upgrade(engine, revision)
    async with engine.begin() as connection:
        seeded = await seed(connection, revision, cipher)
    await upgrade(engine)

    step = HEAD
    while step != "base":
        target = below(step)
        await downgrade(engine, target)
        schema = None if target == "base" else target
        assert await current_revision(engine) == schema
        assert await application_tables(engine) == set(tables_at(schema))
        async with engine.connect() as connection:
            for table in tables_at(schema):
                assert await count(connection, table) == seeded.counts.get(table, 0), table
        step = target

    await upgrade(engine)

    assert await current_revision(engine) == HEAD
    assert await application_tables(engine) == set(tables_at(HEAD))


@pytest.mark.parametrize("revision", REVISIONS)
async def test_undoing_a_revision_and_redoing_it_keeps_the_rows_of_the_tables_that_stayed(
    engine: AsyncEngine, cipher: Cipher, revision: str
) -> None:
    await upgrade(engine)
    async with engine.begin() as connection:
        seeded = await seed(connection, HEAD, cipher)

    target = below(revision)
    await downgrade(engine, target)
    await upgrade(engine)

    kept = set(tables_at(None if target == "base" else target))
    async with engine.connect() as connection:
        for table in tables_at(HEAD):
            expected = seeded.counts[table] if table in kept else 0
            assert await count(connection, table) == expected, table
    if revision <= "0004":
        return
    await check_repositories_at_head(engine, cipher, seeded)


async def test_the_schema_at_the_head_matches_the_table_definitions(engine: AsyncEngine) -> None:
    await upgrade(engine)
    async with engine.connect() as connection:
        assert await connection.run_sync(schema_differences) == []
    for step in reversed(REVISIONS):
        await downgrade(engine, below(step))
    await upgrade(engine)
    async with engine.connect() as connection:
        assert await connection.run_sync(schema_differences) == []


async def _try(engine: AsyncEngine, statement: str) -> bool:
    """Run ``statement`` in a transaction of its own; False when the database refused it."""
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text(statement))
    except DBAPIError as error:
        refusal = str(error.orig)
    else:
        return True
    assert "append-only" in refusal
    return False


async def test_the_access_log_refuses_update_and_delete_from_revision_0005_on(
    engine: AsyncEngine, cipher: Cipher
) -> None:
    await upgrade(engine, "0004")
    async with engine.begin() as connection:
        await seed(connection, "0004", cipher)
    assert await _try(engine, "UPDATE access_log SET outcome = 'changed'")

    await upgrade(engine, "0005")

    assert not await _try(engine, "UPDATE access_log SET outcome = 'forged'")
    assert not await _try(engine, "DELETE FROM access_log")
    async with engine.begin() as connection:
        await _insert_id(
            connection, "access_log", at=T0, action="export", outcome="ok", channel="console"
        )
    async with engine.connect() as connection:
        rows = (await connection.execute(sa.text("SELECT outcome FROM access_log"))).all()
    assert sorted(r.outcome for r in rows) == ["changed", "ok"]


async def test_the_access_log_is_writable_again_below_0005_and_append_only_after_reupgrading(
    engine: AsyncEngine, cipher: Cipher
) -> None:
    await upgrade(engine)
    async with engine.begin() as connection:
        await seed(connection, HEAD, cipher)

    await downgrade(engine, "0004")
    assert await _try(engine, "UPDATE access_log SET outcome = 'corrected'")
    await upgrade(engine)

    assert not await _try(engine, "UPDATE access_log SET outcome = 'forged'")
    assert not await _try(engine, "DELETE FROM access_log")
    async with engine.connect() as connection:
        assert await count(connection, "access_log") == 1


@pytest.mark.sqlite_only
async def test_on_sqlite_the_append_only_rule_is_two_triggers_in_the_file(
    engine: AsyncEngine,
) -> None:
    await upgrade(engine)
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        )
        assert [r.name for r in rows] == ["access_log_no_delete", "access_log_no_update"]


async def test_instances_starting_together_on_a_fresh_database_migrate_it_once(
    tmp_path: Path,
) -> None:
    url = database_url(tmp_path / "together.db")

    def instance() -> None:
        """One instance's start: an engine and an event loop of its own, as in a process."""

        async def start() -> None:
            engine = create_engine(url)
            try:
                await upgrade(engine)
            finally:
                await engine.dispose()

        asyncio.run(start())

    # Three instances (the compose file's restart policy brings them up at once) each find
    # the schema missing; one builds it, the others wait and find it done.
    await asyncio.gather(*(asyncio.to_thread(instance) for _ in range(3)))
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert await count(connection, "alembic_version") == 1
            stamped = await connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
        assert str(stamped).startswith(HEAD)
    finally:
        await engine.dispose()
