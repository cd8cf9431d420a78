"""Keys: every sealed value names its key; rotation re-encrypts in batches and frees the old key;
a missing or wrong key stops start-up with a clear message and never falls back to plain text."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import cli
from bot.app.composition import App, bootstrap
from bot.channels.events import Address, ChoiceMade, Sender
from bot.domain.model import Role
from bot.settings import CryptoSettings, Settings
from bot.storage.crypto import Cipher, KeyRing, KeyringError
from bot.storage.rotation import SEALED, context_of, key_usage, rotate
from bot.storage.tables import metadata
from bot.testing import (
    SHARE_SCRIPT,
    TEST_KEY,
    FakeClock,
    RecordingOutlet,
    example_settings,
    fixed_cipher,
    join,
    start_app,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
OTHER_KEY = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()
QUESTION = "CANARY-QUESTION-6d0a: was anyone else there?"
ANSWER = "CANARY-ANSWER-c3e1: two classmates."
NOTE = "CANARY-NOTE-44b8: we spoke with the school."
REMARK = "CANARY-REMARK-9f27: quick and kind."
TREND = "CANARY-TREND-1a5c: more online propaganda after the news."
ADDITION = "CANARY-ADDITION-5e3b: he brought a flyer."
REASON = "CANARY-REASON-77d1: handled by the school."
CASE_NOTE = "CANARY-CASENOTE-0b9e: spoke with the mentor."


@dataclass
class Stocked:
    """A database with a value in every sealed column, and the settings to reach it."""

    settings: Settings
    reference: str


async def _stock(app: App) -> str:
    """Fill every sealed column: names, a draft, a concern with history, a question and its
    answer, queued messages, a trend note, a usefulness remark, a later addition and what a
    case meeting agreed."""
    outlet = RecordingOutlet()
    rita = await join(app, outlet, "rita")
    carl = await join(app, outlet, "carl", Role.COORDINATOR)
    rob = await join(app, outlet, "rob")
    await rita.script(SHARE_SCRIPT)
    assert rita.member.id is not None
    async with app.uow() as uow:
        (concern,) = await uow.concerns.of_reporter(rita.member.id)
    ref = concern.reference
    await carl.send(ChoiceMade(Sender(carl.address), f"act:ack:{ref}"))
    await carl.send(ChoiceMade(Sender(carl.address), f"act:ask:{ref}"))
    await carl.say(QUESTION)
    await rita.pick("Answer")
    await rita.say(ANSWER)
    await carl.send(ChoiceMade(Sender(carl.address), f"act:status:{ref}"))
    await carl.script(["#closed", "#advice_given", NOTE, REASON, "#yes"])
    await carl.say(f"/casenote {ref} {CASE_NOTE}")
    await rita.pick("Yes")
    await rita.say(REMARK)
    await carl.say(f"/note {TREND}")
    await rita.say(f"/add {ref}")
    await rita.say(ADDITION)
    await carl.say(f"/casesheet {ref}")
    await carl.script(["#agreed", "#done", "#public_task", "#no", "CANARY-AGREED: a talk."])
    await rob.say("/new")
    await carl.say("/2fa")  # a step-up secret, sealed (pending its first code)
    return ref


@pytest.fixture
async def stocked(tmp_path: Path) -> Stocked:
    """Every sealed column filled under the test key ``test``; the database is closed again."""
    settings = example_settings(tmp_path / "bot.db")
    settings = dataclasses.replace(
        settings, crypto=CryptoSettings(key_file=str(tmp_path / "keys.txt"))
    )
    app = await start_app(settings, FakeClock())
    try:
        reference = await _stock(app)
    finally:
        await app.close()
    return Stocked(settings, reference)


@pytest.fixture
def operator_env(stocked: Stocked, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``concernbot`` pointed at the stocked database with a key file holding the test key;
    returns the key file. The root logger is restored afterwards."""
    key_file = Path(stocked.settings.crypto.key_file)
    key_file.write_text(f"test:{TEST_KEY}\n", encoding="utf-8")
    monkeypatch.setenv("CONCERNBOT_DATABASE_URL", stocked.settings.database.url)
    monkeypatch.setenv("CONCERNBOT_CRYPTO_KEY_FILE", str(key_file))
    monkeypatch.delenv("CONCERNBOT_ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("CONCERNBOT_LOG_FORMAT", raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield key_file
    root.handlers[:] = handlers
    root.setLevel(level)


def key_ids(key_file: Path) -> list[str]:
    """The ids of the keys in a key file, the active one first."""
    return [line.split(":")[0] for line in key_file.read_text(encoding="utf-8").splitlines()]


def mode_of(path: Path) -> int:
    """A file's permission bits."""
    return path.stat().st_mode & 0o777


def remove(path: Path) -> None:
    """Delete a file."""
    path.unlink()


async def concernbot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the ``concernbot`` command (in a thread: it runs its own event loop)."""
    capsys.readouterr()
    code = await asyncio.to_thread(cli.main, ["--config", str(EXAMPLE), *argv])
    out, err = capsys.readouterr()
    return code, out, err


async def sealed_values(app: App) -> dict[str, list[str]]:
    """Every stored value of every sealed column, by ``table.column`` context."""
    found: dict[str, list[str]] = {}
    async with app.engine.connect() as connection:
        for table, column in SEALED:
            query = select(table.c[column]).where(table.c[column].is_not(None))
            found[context_of(table, column)] = [v for (v,) in await connection.execute(query)]
    return found


async def opened(app: App, reference: str) -> list[str]:
    """Read back what the stocked database holds, through the repositories."""
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
        assert concern is not None
        assert concern.id is not None
        (question,) = await uow.questions.of_concern(concern.id)
        (addition,) = await uow.additions.of_concern(concern.id)
        reporter = await uow.members.get(concern.reporter_id)
        assert reporter is not None
        notes = await uow.notes.between(
            concern.network_id, concern.created_at, concern.created_at + timedelta(days=1)
        )
    for context, values in (await sealed_values(app)).items():
        for value in values:
            app.uow.cipher.open(value, context)  # every value opens, in every column
    return [
        concern.facts,
        question.question,
        str(question.answer),
        addition.text,
        concern.history[-1].note,
        reporter.display_name,
        *(n.text for n in notes),
    ]


async def test_every_sealed_column_holds_values_that_name_their_key(stocked: Stocked) -> None:
    app = await bootstrap(stocked.settings, FakeClock(), fixed_cipher(), environ={})
    try:
        found = await sealed_values(app)
    finally:
        await app.close()

    every_enc = {
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_enc")
    }
    assert every_enc == {(table.name, column) for table, column in SEALED}
    assert set(found) == {context_of(t, c) for t, c in SEALED}
    for context, values in found.items():
        assert values, f"nothing stored in {context}"
        for value in values:
            assert value.startswith("v1$test$"), context
            assert "CANARY" not in value


async def test_keys_new_then_rotate_moves_every_value_to_the_new_key_and_frees_the_old_one(
    stocked: Stocked, operator_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = await concernbot(capsys, "keys", "status")
    added = await concernbot(capsys, "keys", "new")
    new_id = key_ids(operator_env)[0]
    midway = await concernbot(capsys, "keys", "status")
    rotated = await concernbot(capsys, "keys", "rotate")
    after = await concernbot(capsys, "keys", "status")

    total = sum(int(line.split()[1]) for line in before[1].splitlines())
    assert before[0] == added[0] == midway[0] == rotated[0] == after[0] == 0
    assert "test" in before[1]
    assert "active" in before[1]
    assert f"Added key {new_id}" in added[1]
    assert key_ids(operator_env) == [new_id, "test"]
    assert mode_of(operator_env) == 0o600
    assert midway[1].splitlines() == [
        f"{new_id:<12} {0:>8} values  active",
        f"{'test':<12} {total:>8} values  still in use",
    ]
    assert f"Re-encrypted {total} values with key {new_id}." in rotated[1]
    assert f"rotating [{'#' * 30}] {total}/{total}" in rotated[2]
    assert after[1].splitlines() == [
        f"{new_id:<12} {total:>8} values  active",
        f"{'test':<12} {0:>8} values  unused: can be retired",
    ]
    app = await bootstrap(stocked.settings, FakeClock(), environ={})
    try:
        assert await key_usage(app.engine) == {new_id: total}
        for values in (await sealed_values(app)).values():
            assert all(v.startswith(f"v1${new_id}$") for v in values)
        assert await opened(app, stocked.reference) == [
            "CANARY-FACT-7f3a: a pupil praised an attack abroad in class.",
            QUESTION,
            ANSWER,
            ADDITION,
            NOTE,
            "rita",
            TREND,
        ]
        async with app.uow() as uow:
            rob = await uow.members.by_address(Address("console", "rob"))
            assert rob is not None
            assert rob.id is not None
            draft = await uow.dialogs.load(rob.id)
        assert draft is not None
        assert draft.dialog == "share_concern"
    finally:
        await app.close()
    with pytest.raises(KeyringError, match=f"no key with id '{new_id}'"):
        await bootstrap(stocked.settings, FakeClock(), fixed_cipher(), environ={})


async def test_rotation_in_batches_smaller_than_the_table_reports_progress_and_misses_nothing(
    stocked: Stocked,
) -> None:
    ring = KeyRing.parse(f"fresh:{OTHER_KEY},test:{TEST_KEY}")
    app = await bootstrap(stocked.settings, FakeClock(), Cipher(ring), environ={})
    progress: list[tuple[int, int]] = []

    def note(done: int, total: int) -> None:
        progress.append((done, total))

    try:
        total = sum((await key_usage(app.engine)).values())
        assert total > 20

        count = await rotate(app.engine, app.uow.cipher, batch=3, progress=note)

        again = await rotate(app.engine, app.uow.cipher, batch=3)
        usage = await key_usage(app.engine)
        texts = await opened(app, stocked.reference)
    finally:
        await app.close()

    assert count == total
    assert again == 0
    assert usage == {"fresh": total}
    assert progress[-1] == (total, total)
    assert [done for done, _ in progress] == sorted({done for done, _ in progress})
    assert len(progress) >= total // 3
    assert "CANARY-FACT-7f3a: a pupil praised an attack abroad in class." in texts


# --- a missing or wrong key stops start-up -------------------------------------------------


async def test_a_missing_key_stops_start_up_before_anything_is_stored(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    settings = example_settings(database)
    settings = dataclasses.replace(
        settings, crypto=CryptoSettings(key_file=str(tmp_path / "absent.txt"))
    )

    with pytest.raises(KeyringError) as refused:
        await bootstrap(settings, FakeClock(), environ={})

    assert str(refused.value) == (
        f"no encryption key: set CONCERNBOT_ENCRYPTION_KEYS or create {tmp_path / 'absent.txt'} "
        "with 'concernbot keys init'"
    )
    assert not database.exists()


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        (f"test:{OTHER_KEY}", "key 'test' does not open a value in members.display_name"),
        (f"other:{OTHER_KEY}", "no key with id 'test' is configured"),
    ],
    ids=["the same id with another key", "another id"],
)
async def test_a_wrong_key_stops_start_up_with_a_clear_message(
    stocked: Stocked, keys: str, reason: str
) -> None:
    with pytest.raises(KeyringError) as refused:
        await bootstrap(stocked.settings, FakeClock(), environ={"CONCERNBOT_ENCRYPTION_KEYS": keys})

    assert str(refused.value) == f"the configured keys cannot open the stored data: {reason}"
    assert "CANARY" not in str(refused.value)


async def test_the_console_with_a_wrong_key_exits_2_with_the_message_and_no_traceback(
    stocked: Stocked,
    operator_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CONCERNBOT_ENCRYPTION_KEYS", f"test:{OTHER_KEY}")

    code, out, err = await concernbot(capsys, "console", "--user", "rita")

    assert code == 2
    assert out == ""
    assert err == (
        "concernbot: the configured keys cannot open the stored data: "
        "key 'test' does not open a value in members.display_name\n"
    )


async def test_the_console_without_any_key_exits_2_with_the_message_and_no_traceback(
    stocked: Stocked,
    operator_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    remove(operator_env)

    code, out, err = await concernbot(capsys, "console", "--user", "rita")

    assert code == 2
    assert out == ""
    assert err.startswith("concernbot: no encryption key: set CONCERNBOT_ENCRYPTION_KEYS")
    assert "Traceback" not in err
    assert err.count("\n") == 1
