"""The access log: one content-free row per view, export, status change, relayed message and
deletion; append-only in the database; printed and filtered by ``concernbot audit``."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.app import cli
from bot.app.composition import App
from bot.channels.events import ChoiceMade, Sender
from bot.domain.model import Role
from bot.scheduling.scheduler import Scheduler
from bot.storage.tables import access_log
from bot.testing import (
    SHARE_SCRIPT,
    TEST_KEY,
    Chat,
    FakeClock,
    RecordingOutlet,
    example_settings,
    join,
    start_app,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NAME = "CANARY-NAME-5d2e"
QUESTION = "CANARY-QUESTION-81c4: did he say it more than once?"
ANSWER = "CANARY-ANSWER-0e9b: yes, three times this week."
NOTE = "CANARY-NOTE-a71f: we talked with his mentor."
CANARIES = ("CANARY-FACT-7f3a", NAME, QUESTION, ANSWER, NOTE, "testing limits")

Row = tuple[datetime, int | None, str | None, str | None, int | None, str, str, str | None]


@dataclass
class Journey:
    """A concern that went through every logged action, and the people involved."""

    app: App
    clock: FakeClock
    reporter: Chat
    coordinator: Chat
    reference: str

    @property
    def reporter_id(self) -> int:
        """The reporter's member id."""
        assert self.reporter.member.id is not None
        return self.reporter.member.id

    @property
    def coordinator_id(self) -> int:
        """The coordinator's member id."""
        assert self.coordinator.member.id is not None
        return self.coordinator.member.id

    async def rows(self) -> list[Row]:
        """Every access-log row as (at, actor, for, concern, member, action, outcome, channel)."""
        async with self.app.uow() as uow:
            entries = await uow.access_log.entries()
        return [
            (
                e.at,
                e.actor_member_id,
                e.on_behalf_of,
                e.concern_reference,
                e.subject_member_id,
                e.action,
                e.outcome,
                e.channel,
            )
            for e in entries
        ]


async def act(chat: Chat, choice: str) -> None:
    """Press an action button (``act:<verb>:<argument>``)."""
    await chat.send(ChoiceMade(Sender(chat.address), choice))


@pytest.fixture
async def journey(tmp_path: Path) -> AsyncIterator[Journey]:
    """Share, view, acknowledge, ask, answer, view the reply, update, export, erase: one hour
    (or day) apart, so every row's time tells which step wrote it."""
    clock = FakeClock(START)
    app = await start_app(example_settings(tmp_path / "bot.db"), clock)
    try:
        yield await _walk(app, clock)
    finally:
        await app.close()


async def _walk(app: App, clock: FakeClock) -> Journey:
    outlet = RecordingOutlet()
    reporter = await join(app, outlet, NAME)
    coordinator = await join(app, outlet, "carl", Role.COORDINATOR)
    await reporter.script(SHARE_SCRIPT)
    assert reporter.member.id is not None
    async with app.uow() as uow:
        (concern,) = await uow.concerns.of_reporter(reporter.member.id)
    ref = concern.reference
    assert concern.id is not None
    clock.advance(hours=1)
    await act(coordinator, f"act:details:{ref}")
    clock.advance(hours=1)
    await act(coordinator, f"act:ack:{ref}")
    clock.advance(hours=1)
    await act(coordinator, f"act:ask:{ref}")
    await coordinator.say(QUESTION)
    clock.advance(hours=1)
    await reporter.pick("Answer")
    await reporter.say(ANSWER)
    clock.advance(hours=1)
    async with app.uow() as uow:
        (question,) = await uow.questions.of_concern(concern.id)
    await act(coordinator, f"act:reply:{question.id}")
    clock.set(START + timedelta(days=1))
    await act(coordinator, f"act:status:{ref}")
    await coordinator.script(["#in_analysis", NOTE, "#skip", "#yes"])
    clock.set(START + timedelta(days=2))
    await reporter.say("/mydata")
    clock.set(START + timedelta(days=3))
    await coordinator.say(f"/erase {ref}")
    await coordinator.pick("yes")
    return Journey(app, clock, reporter, coordinator, ref)


@pytest.fixture
def operator_env(journey: Journey, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment ``concernbot`` reads, pointing at the journey's database; the root
    logger is put back afterwards (the command configures logging for itself)."""
    monkeypatch.setenv("CONCERNBOT_DATABASE_URL", journey.app.settings.database.url)
    monkeypatch.setenv("CONCERNBOT_ENCRYPTION_KEYS", f"test:{TEST_KEY}")
    monkeypatch.delenv("CONCERNBOT_LOG_FORMAT", raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def concernbot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the ``concernbot`` command (in a thread: it runs its own event loop)."""
    capsys.readouterr()
    code = await asyncio.to_thread(cli.main, ["--config", str(EXAMPLE), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def audit_lines(out: str) -> list[dict[str, str]]:
    """Parse ``concernbot audit`` output into one dict per row (``at`` plus key=value)."""
    parsed = []
    for line in out.splitlines():
        at, *fields = line.split("  ")
        parsed.append({"at": at, **dict(f.split("=", 1) for f in fields)})
    return parsed


# --- one row per access, never content ------------------------------------------------------


async def test_every_view_status_change_relayed_message_export_and_erasure_writes_one_row(
    journey: Journey,
) -> None:
    ref, me, carl = journey.reference, journey.reporter_id, journey.coordinator_id
    hour, day = timedelta(hours=1), timedelta(days=1)

    assert await journey.rows() == [
        (START, me, None, ref, None, "share", "ok", "console"),
        (START + hour, carl, None, ref, None, "view_details", "ok", "console"),
        (START + 2 * hour, carl, None, ref, None, "status_change", "ok:acknowledged", "console"),
        (START + 3 * hour, carl, None, ref, None, "relay_question", "ok", "console"),
        (START + 4 * hour, me, None, ref, None, "relay_answer", "ok", "console"),
        (START + 5 * hour, carl, None, ref, None, "view_reply", "ok", "console"),
        (START + day, carl, None, ref, None, "status_change", "ok:in_analysis", "console"),
        (START + 2 * day, me, "self", None, me, "export", "ok", None),
        (START + 3 * day, carl, None, ref, None, "delete", "ok:on_request", "console"),
    ]


async def test_no_access_log_column_holds_any_content(journey: Journey) -> None:
    async with journey.app.engine.connect() as connection:
        rows = list(await connection.execute(select(access_log)))
    stored = json.dumps([[str(value) for value in row] for row in rows])

    assert len(rows) == 9
    for canary in CANARIES:
        assert canary not in stored


async def test_the_operators_export_is_logged_on_behalf_of_the_operator(
    journey: Journey, operator_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)

    code, out, _ = await concernbot(capsys, "export", "--member", str(journey.reporter_id))

    after = datetime.now(UTC) + timedelta(seconds=1)
    assert code == 0
    assert json.loads(out)["member"]["name"] == NAME
    last = (await journey.rows())[-1]
    assert last[1:] == (None, "operator", None, journey.reporter_id, "export", "ok", None)
    assert before <= last[0] <= after


async def test_a_deletion_by_retention_is_logged_at_the_time_of_the_scheduled_run(
    journey: Journey,
) -> None:
    rob = await join(journey.app, journey.reporter.outlet, "rob")
    await rob.script(SHARE_SCRIPT)
    assert rob.member.id is not None
    async with journey.app.uow() as uow:
        (concern,) = await uow.concerns.of_reporter(rob.member.id)
    await act(journey.coordinator, f"act:status:{concern.reference}")
    await journey.coordinator.script(["#closed", "#no_further_action", "#skip", "#skip", "#yes"])
    journey.clock.set(datetime(2028, 1, 10, 12, 0, tzinfo=UTC))
    scheduler = Scheduler(journey.app.uow, journey.app.settings, journey.clock)

    run = await scheduler.run("retention")

    assert run.ran
    # The run belongs to the 03:30 slot in Amsterdam, which is 02:30 UTC in January.
    slot = datetime(2028, 1, 10, 2, 30, tzinfo=UTC)
    assert (await journey.rows())[-1] == (
        slot,
        None,
        "scheduler",
        concern.reference,
        None,
        "delete",
        "retention",
        None,
    )
    async with journey.app.uow() as uow:
        assert await uow.concerns.by_reference(concern.reference) is None


# --- append-only ---------------------------------------------------------------------------


async def test_the_database_refuses_to_change_or_remove_access_log_rows(
    journey: Journey,
) -> None:
    before = await journey.rows()
    statements = (
        "UPDATE access_log SET outcome = 'ok' WHERE action = 'delete'",
        "UPDATE access_log SET actor_member_id = NULL",
        "DELETE FROM access_log WHERE action = 'view_details'",
        "DELETE FROM access_log",
    )

    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            async with journey.app.engine.begin() as connection:
                await connection.execute(text(statement))

    assert await journey.rows() == before


async def test_erasing_a_concern_leaves_its_access_log_rows_in_place(journey: Journey) -> None:
    async with journey.app.uow() as uow:
        assert await uow.concerns.by_reference(journey.reference) is None
        about = await uow.access_log.entries(concern_reference=journey.reference)

    assert [e.action for e in about][-1] == "delete"
    assert len(about) == 8


# --- concernbot audit ----------------------------------------------------------------------


async def test_audit_by_concern_prints_that_concerns_rows_oldest_first(
    journey: Journey, operator_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await concernbot(capsys, "audit", "--concern", journey.reference.lower())

    lines = audit_lines(out)
    assert code == 0
    assert [line["action"] for line in lines] == [
        "share",
        "view_details",
        "status_change",
        "relay_question",
        "relay_answer",
        "view_reply",
        "status_change",
        "delete",
    ]
    assert {line["concern"] for line in lines} == {journey.reference}
    assert lines[0]["at"] == "2026-11-30 10:00"  # shown in the bot's time zone
    carl = journey.coordinator.member
    assert lines[1] == {
        "at": "2026-11-30 11:00",
        "actor": f"coordinator {carl.pseudonym} #{journey.coordinator_id}",
        "for": "-",
        "concern": journey.reference,
        "member": "-",
        "action": "view_details",
        "outcome": "ok",
        "channel": "console",
    }
    assert "8 rows" in err
    for canary in CANARIES:
        assert canary not in out


async def test_audit_by_member_prints_what_they_did_and_what_was_done_about_them(
    journey: Journey, operator_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    _, mine, _ = await concernbot(capsys, "audit", "--member", str(journey.reporter_id))
    _, theirs, _ = await concernbot(capsys, "audit", "--member", str(journey.coordinator_id))

    me = f"reporter {journey.reporter.member.pseudonym} #{journey.reporter_id}"
    assert [(r["action"], r["actor"], r["member"]) for r in audit_lines(mine)] == [
        ("share", me, "-"),
        ("relay_answer", me, "-"),
        ("export", me, me),
    ]
    assert [r["action"] for r in audit_lines(theirs)] == [
        "view_details",
        "status_change",
        "relay_question",
        "view_reply",
        "status_change",
        "delete",
    ]


async def test_audit_since_a_local_date_time_starts_exactly_there(
    journey: Journey, operator_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # 10:00 in Amsterdam on 1 December is 09:00 UTC: the moment of the status update.
    _, out, _ = await concernbot(capsys, "audit", "--since", "2026-12-01T10:00")
    _, day, _ = await concernbot(capsys, "audit", "--since", "2026-12-02")
    _, both, _ = await concernbot(
        capsys, "audit", "--since", "2026-12-01T10:01", "--concern", journey.reference
    )

    assert [(r["at"], r["action"]) for r in audit_lines(out)] == [
        ("2026-12-01 10:00", "status_change"),
        ("2026-12-02 10:00", "export"),
        ("2026-12-03 10:00", "delete"),
    ]
    assert [r["action"] for r in audit_lines(day)] == ["export", "delete"]
    assert [r["action"] for r in audit_lines(both)] == ["delete"]


async def test_audit_with_a_date_that_is_not_one_exits_2_with_a_message(
    journey: Journey, operator_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await concernbot(capsys, "audit", "--since", "last tuesday")

    assert code == 2
    assert out == ""
    assert "not an ISO date" in err
    assert "Traceback" not in err
