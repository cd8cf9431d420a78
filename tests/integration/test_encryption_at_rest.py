"""Free text never reaches the disk in plain form: not in the database file, not in its WAL."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.composition import App, bootstrap
from bot.domain.model import Role
from bot.settings import Settings
from bot.storage.crypto import Cipher, KeyRing, KeyringError
from bot.storage.tables import (
    case_events,
    concerns,
    dialog_states,
    outbox,
    questions,
    status_changes,
)
from bot.testing import TEST_KEY, Chat, FakeClock, RecordingOutlet, join, start_app
from tests.integration.conftest import act, share, share_script

CANARIES = {
    "facts": "CANARY-FACTS-1a2b3c",
    "interpretation": "CANARY-INTERPRETATION-4d5e6f",
    "counter_signals": "CANARY-COUNTER-7a8b9c",
    "question": "CANARY-QUESTION-0d1e2f",
    "answer": "CANARY-ANSWER-3a4b5c",
    "note": "CANARY-NOTE-6d7e8f",
    "reason": "CANARY-REASON-9a0b1c",
    "case_note": "CANARY-CASENOTE-2d3e4f",
}
OTHER_KEY = base64.urlsafe_b64encode(bytes(range(64, 96))).decode()


def disk_files(database: Path) -> dict[str, bytes]:
    """The raw bytes of the database file and of its WAL and journal, where they exist."""
    found = {}
    for suffix in ("", "-wal", "-journal", "-shm"):
        path = Path(f"{database}{suffix}")
        if path.exists():
            found[path.name] = path.read_bytes()
    return found


def plain_canaries(files: dict[str, bytes], canaries: list[str]) -> list[str]:
    """Which canaries appear in which file, in UTF-8 or UTF-16."""
    hits = []
    for name, data in files.items():
        for canary in canaries:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                if canary.encode(encoding) in data:
                    hits.append(f"{canary} in {name} ({encoding})")
    return hits


async def the_journey(reporter: Chat, coordinator: Chat) -> str:
    """Share a concern with a canary in every free-text field and carry it to its close."""
    reference = await share(
        reporter,
        share_script(
            facts=f"{CANARIES['facts']} a pupil handed out flyers.",
            interpretation=f"{CANARIES['interpretation']} perhaps bravado.",
            counter_signals=f"{CANARIES['counter_signals']} he has good friends.",
        ),
    )
    await act(coordinator, "details", reference)
    await act(coordinator, "ack", reference)
    await act(coordinator, "ask", reference)
    await coordinator.say(f"{CANARIES['question']} where were the flyers from?")
    await reporter.pick("Answer")
    await reporter.say(f"{CANARIES['answer']} from a website.")
    await act(coordinator, "status", reference)
    await coordinator.pick("closed")
    await coordinator.pick("advice_given")
    await coordinator.say(f"{CANARIES['note']} advice was given.")
    await coordinator.say(f"{CANARIES['reason']} the school handles it.")
    await coordinator.pick("yes")
    await coordinator.say(f"/casenote {reference} {CANARIES['case_note']} mentor informed.")
    return reference


@pytest.mark.sqlite_only
async def test_no_free_text_is_plain_in_the_database_or_its_wal_while_open_and_after_close(
    app: App,
    database: Path,
    reporter: Chat,
    coordinator: Chat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await the_journey(reporter, coordinator)
    heard = "\n".join(r.text for r in reporter.outlet.sent)
    for key in ("facts", "question", "note"):  # the canaries did go through the bot
        assert CANARIES[key] in heard
    while_open = disk_files(database)
    assert f"{database.name}-wal" in while_open
    assert any(b"v1$test$" in data for data in while_open.values())
    assert plain_canaries(while_open, list(CANARIES.values())) == []
    # The search itself works: the console user id is stored in plain form, on purpose.
    assert plain_canaries(while_open, [reporter.address.user_id]) != []
    await app.close()
    after_close = disk_files(database)
    assert database.name in after_close
    assert plain_canaries(after_close, list(CANARIES.values())) == []
    assert all(canary not in caplog.text for canary in CANARIES.values())


async def test_every_free_text_column_holds_a_sealed_value(
    app: App, reporter: Chat, coordinator: Chat
) -> None:
    await the_journey(reporter, coordinator)
    async with app.engine.connect() as connection:
        row = (await connection.execute(select(concerns))).one()
        sealed = [row.facts_enc, row.interpretation_enc, row.counter_signals_enc]
        sealed += [r.note_enc for r in await connection.execute(select(status_changes))]
        for q in await connection.execute(select(questions)):
            sealed += [q.question_enc, q.answer_enc]
        sealed += [r.payload_enc for r in await connection.execute(select(outbox))]
        sealed += [r.text_enc for r in await connection.execute(select(case_events))]
    assert len(sealed) > 10
    for value in sealed:
        assert value.startswith("v1$test$")
        assert "CANARY" not in value


@pytest.mark.sqlite_only
async def test_a_dialog_under_way_is_not_plain_on_disk(
    app: App, database: Path, reporter: Chat
) -> None:
    lines = share_script(facts=CANARIES["facts"])
    await reporter.script(lines[: lines.index(CANARIES["facts"]) + 1])
    async with app.engine.connect() as connection:
        row = (await connection.execute(select(dialog_states))).one()
    assert (row.dialog, row.step) == ("share_concern", "facts")
    assert row.state_enc.startswith("v1$test$")
    assert plain_canaries(disk_files(database), [CANARIES["facts"]]) == []
    await app.close()
    assert plain_canaries(disk_files(database), [CANARIES["facts"]]) == []


async def test_starting_with_a_different_key_than_the_data_was_written_with_fails(
    app: App, settings: Settings, clock: FakeClock, reporter: Chat
) -> None:
    await app.close()
    wrong = Cipher(KeyRing.parse(f"test:{OTHER_KEY}"))
    with pytest.raises(KeyringError, match="the configured keys cannot open the stored data"):
        await bootstrap(settings, clock=clock, cipher=wrong, environ={})


async def test_starting_without_the_key_the_data_was_written_with_fails(
    app: App, settings: Settings, clock: FakeClock, reporter: Chat
) -> None:
    await app.close()
    unrelated = Cipher(KeyRing.parse(f"fresh:{OTHER_KEY}"))
    with pytest.raises(KeyringError, match="no key with id 'test'"):
        await bootstrap(settings, clock=clock, cipher=unrelated, environ={})


async def test_starting_with_a_new_key_and_the_old_one_behind_it_works(
    app: App, settings: Settings, clock: FakeClock, outlet: RecordingOutlet, reporter: Chat
) -> None:
    reference = await share(reporter)
    await app.close()
    rotated = Cipher(KeyRing.parse(f"fresh:{OTHER_KEY},test:{TEST_KEY}"))
    reopened = await bootstrap(settings, clock=clock, cipher=rotated, environ={})
    try:
        async with reopened.uow() as uow:
            concern = await uow.concerns.by_reference(reference)
        assert concern is not None
        assert concern.facts.startswith("CANARY-FACT")
    finally:
        await reopened.close()


async def test_the_keys_come_from_the_environment_when_no_cipher_is_given(
    app: App, settings: Settings, clock: FakeClock, reporter: Chat
) -> None:
    await app.close()
    environ = {settings.crypto.keys_env: f"test:{TEST_KEY}"}
    reopened = await bootstrap(settings, clock=clock, environ=environ)
    await reopened.close()
    with pytest.raises(KeyringError, match="cannot open the stored data"):
        await bootstrap(
            settings, clock=clock, environ={settings.crypto.keys_env: f"test:{OTHER_KEY}"}
        )


async def test_an_empty_database_starts_with_any_key(settings: Settings, clock: FakeClock) -> None:
    other = Cipher(KeyRing.parse(f"x:{OTHER_KEY}"))
    first = await bootstrap(settings, clock=clock, cipher=other, environ={})
    await first.close()
    second = await start_app(settings, clock)
    try:
        member = await join(second, RecordingOutlet(), "Carl-Coordinator", Role.COORDINATOR)
        assert member.member.id is not None
    finally:
        await second.close()
