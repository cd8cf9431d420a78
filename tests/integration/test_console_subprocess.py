"""The real ``concernbot console`` as a subprocess: piped stdin in, printed replies out.

A reporter shares a concern, a coordinator triages it on the same database and the reporter
hears back; a run killed with SIGKILL resumes where it was; bad input gets an answer.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from bot.channels.events import Address
from bot.channels.replies import Outgoing, Reply
from bot.delivery.worker import Deliverer
from bot.testing import TEST_KEY, FakeClock, database_url, example_settings, start_app

CONFIG = Path(__file__).resolve().parents[2] / "config.example.toml"
TEST_KEYS = f"test:{TEST_KEY}"
REFERENCE = re.compile(r"Reference: ([A-Z2-9]{3}-[A-Z2-9]{3})")
TIMEOUT = 30.0
"""Seconds a run may take to answer (a start-up takes about one and a half)."""

FACT_ALPHA = "FACT-ALPHA: a pupil praised an attack abroad in class."
FACT_BETA = "FACT-BETA: he repeated it the next day to a classmate."
INTERPRETATION = "He may be testing limits."
NOTE = "FEEDBACK-NOTE: we are talking with the school's care coordinator."

SHARE_LINES = (
    "/new",
    "2",  # No one is in immediate danger
    "1",  # Understood, continue
    FACT_ALPHA,
    FACT_BETA,
    "Done",
    "1",  # I saw or heard it myself
    INTERPRETATION,
    "Skip",  # no signals pointing the other way
    "one young person",  # a label, in another case
    "3",  # 16 or 17
    "School",
    "Several times",
    "3",  # Talked with a colleague
    "Done",
    "3",  # Not yet, they will be told
    "2",  # This week
    "1",  # the coordinator may contact me
    "Stay pseudonymous",
    "1",  # Share it
)
"""A complete share-a-concern conversation typed at the console, by number or label."""


def console_env(database: Path, **extra: str) -> dict[str, str]:
    """The environment of a run: this test's database and key, and strict UTF-8 streams."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERNBOT_")}
    env.update(
        CONCERNBOT_DATABASE_URL=database_url(database),
        CONCERNBOT_ENCRYPTION_KEYS=TEST_KEYS,
        CONCERNBOT_CRYPTO_KEY_FILE=str(database.parent / "no-key-file.txt"),
        PYTHONIOENCODING="utf-8:strict",
    )
    env.update(extra)
    return env


def console_command(*args: str) -> list[str]:
    """``concernbot --config config.example.toml console ARGS``."""
    return [sys.executable, "-m", "bot.app.cli", "--config", str(CONFIG), "console", *args]


@dataclass(frozen=True)
class Run:
    """A finished run: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_console(env: dict[str, str], args: Sequence[str], lines: Sequence[str] = ()) -> Run:
    """Run the console with ``lines`` piped to it, until it exits at the end of input."""
    typed = "".join(line + "\n" for line in lines)
    done = subprocess.run(
        console_command(*args),
        input=typed.encode("utf-8"),
        capture_output=True,
        env=env,
        cwd=Path(env["CONCERNBOT_CRYPTO_KEY_FILE"]).parent,
        timeout=TIMEOUT * 2,
        check=False,
    )
    return Run(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def assert_clean_exit(run: Run) -> None:
    """Exit status 0 at the end of input, and nothing alarming on stderr."""
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 0, run.stderr


class Console:
    """A running console fed one line at a time; its output is read with a timeout."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            console_command(*args),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=Path(env["CONCERNBOT_CRYPTO_KEY_FILE"]).parent,
        )
        self._chunks: queue.Queue[str | None] = queue.Queue()
        self._unread = ""
        self.transcript = ""
        self._errors: list[str | None] = []
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._pump, args=(self.process.stdout, self._chunks.put)),
            threading.Thread(target=self._pump, args=(self.process.stderr, self._errors.append)),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _pump(stream: IO[bytes], put: Callable[[str | None], None]) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")()
        with stream:
            while chunk := os.read(stream.fileno(), 65536):
                put(decoder.decode(chunk))
        put(None)

    def type(self, line: str) -> None:
        """Type a line (as bytes: invalid UTF-8 can be typed too)."""
        self.type_bytes(line.encode("utf-8") + b"\n")

    def type_bytes(self, data: bytes) -> None:
        """Write raw bytes to the console's stdin."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def expect(self, text: str, timeout: float = TIMEOUT) -> str:
        """Read until ``text`` is printed; return the output up to and including it."""
        deadline = time.monotonic() + timeout
        while text not in self._unread:
            try:
                chunk = self._chunks.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                raise AssertionError(
                    f"{text!r} not printed; last: {self._unread[-600:]!r}"
                ) from None
            if chunk is None:
                self._chunks.put(None)
                raise AssertionError(f"console ended before {text!r}: {self.stderr[-600:]!r}")
            self._unread += chunk
            self.transcript += chunk
        upto = self._unread.index(text) + len(text)
        seen, self._unread = self._unread[:upto], self._unread[upto:]
        return seen

    def answer(self, line: str, expected: str) -> str:
        """Type ``line`` and read until ``expected`` appears."""
        self.type(line)
        return self.expect(expected)

    def finish(self) -> int:
        """Close stdin (end of input) and wait for the exit status."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        returncode = self.process.wait(TIMEOUT)
        self._join()
        return returncode

    def kill(self) -> int:
        """SIGKILL the console, as a crash or a power cut would."""
        self.process.send_signal(signal.SIGKILL)
        returncode = self.process.wait(TIMEOUT)
        assert self.process.stdin is not None
        self.process.stdin.close()
        self._join()
        return returncode

    def _join(self) -> None:
        for reader in self._readers:
            reader.join(TIMEOUT)

    @property
    def stderr(self) -> str:
        """What the console printed on stderr so far."""
        return "".join(e for e in self._errors if e is not None)

    def close(self) -> None:
        """Make sure the process is gone (a failed test must not leave it running)."""
        if self.process.poll() is None:
            self.kill()


@pytest.fixture
def consoles() -> Iterator[list[Console]]:
    """Consoles started by a test, killed at its end whatever happened."""
    started: list[Console] = []
    yield started
    for console in started:
        console.close()


# --- one reporter, one coordinator, one database ------------------------------------------


@dataclass(frozen=True)
class Shared:
    """The reporter's first run on the shared database."""

    env: dict[str, str]
    run: Run
    reference: str


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Shared:
    """Anna shares a concern in a scripted run, then asks for /status."""
    database = tmp_path_factory.mktemp("console") / "concernbot.db"
    env = console_env(database)
    run = run_console(env, ["--user", "anna", "--language", "en"], [*SHARE_LINES, "/status"])
    found = REFERENCE.search(run.stdout)
    assert found, run.stdout[-2000:] + run.stderr
    return Shared(env, run, found.group(1))


@pytest.fixture(scope="module")
def triaged(shared: Shared) -> Run:
    """Carla, a coordinator, lists, opens, acknowledges and moves the concern on, with a note."""
    lines = [
        "/list",
        shared.reference,  # the concern's button, by its label
        "View details",
        "Acknowledge",
        "Update status",
        "In analysis",
        NOTE,
        "Skip",  # the reason for colleagues
        "Yes, update",
    ]
    return run_console(
        shared.env, ["--as", "coordinator", "--user", "carla", "--language", "en"], lines
    )


@pytest.fixture(scope="module")
def heard_back(triaged: Run, shared: Shared) -> Run:
    """Anna starts the console again, later, and asks for /status."""
    return run_console(shared.env, ["--user", "anna", "--language", "en"], ["/status"])


def test_a_scripted_reporter_run_completes_the_dialog_and_prints_a_reference(
    shared: Shared,
) -> None:
    assert_clean_exit(shared.run)
    out = shared.run.stdout
    assert out.index("read only by your network's coordinators") < out.index(
        "Is it about one young person"
    )
    assert "Please check your account before it is shared" in out
    assert FACT_ALPHA in out
    assert FACT_BETA in out
    assert "Thank you. Your concern has been shared." in out
    assert "Follow it with /status." in out


def test_status_then_lists_the_new_concern_as_received(shared: Shared) -> None:
    status = shared.run.stdout.split("Your concerns:", 1)[1]

    assert re.search(rf"{shared.reference} · .* · Received", status), status


def test_a_coordinator_on_the_same_database_sees_opens_and_moves_the_concern(
    triaged: Run, shared: Shared
) -> None:
    assert_clean_exit(triaged)
    out = triaged.stdout
    listing, details = out.split("What was observed:", 1)
    assert "Open concerns (overdue first):" in listing
    assert shared.reference in listing
    assert "FACT-ALPHA" not in listing  # the free text only on an explicit "View details"
    assert FACT_ALPHA in details
    assert FACT_BETA in details
    assert f"Reporter’s interpretation: {INTERPRETATION}" in details
    assert f"You acknowledged {shared.reference}; the reporter has been told." in out
    assert f"Note for the reporter: {NOTE}" in out
    assert f"{shared.reference} is now: In analysis. The reporter has been told." in out


def test_the_reporter_hears_of_each_status_change_when_the_console_starts_again(
    heard_back: Run, shared: Shared
) -> None:
    assert_clean_exit(heard_back)
    out = heard_back.stdout
    acknowledged = out.index(f"Update on your concern {shared.reference}: Acknowledged.")
    analysis = out.index(f"Update on your concern {shared.reference}: In analysis.")
    note = out.index(f"Note from the coordinator: {NOTE}")
    status = out.index("Your concerns:")
    assert acknowledged < analysis < note < status  # queued while away, delivered on start
    assert re.search(rf"{shared.reference} · .* · In analysis", out[status:])


def test_a_reporter_cannot_start_the_console_as_a_coordinator(shared: Shared) -> None:
    run = run_console(shared.env, ["--as", "coordinator", "--user", "anna"], ["/list"])

    assert run.returncode != 0
    assert "'anna' is enrolled as reporter, not coordinator" in run.stderr
    assert "Traceback" not in run.stderr
    assert "Open concerns" not in run.stdout


def test_without_an_encryption_key_the_console_refuses_to_start_with_exit_code_2(
    tmp_path: Path,
) -> None:
    env = console_env(tmp_path / "concernbot.db")
    del env["CONCERNBOT_ENCRYPTION_KEYS"]

    run = run_console(env, ["--user", "anna"], ["/new"])

    assert run.returncode == 2
    assert "no encryption key" in run.stderr
    assert str(tmp_path / "no-key-file.txt") in run.stderr
    assert "keys init" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""


# --- crashes and bad input ----------------------------------------------------------------


def test_after_sigkill_mid_dialog_the_dialog_resumes_at_the_same_step_with_its_answers(
    tmp_path: Path, consoles: list[Console]
) -> None:
    env = console_env(tmp_path / "concernbot.db")
    args = ("--user", "bram", "--language", "en")
    first = Console(env, *args)
    consoles.append(first)
    for line, prompt in [
        ("/new", "2) No"),
        ("2", "1) Understood, continue"),
        ("1", "choose Done when complete.\n  [Done]"),
        ("FACT-KILL-1: the group chants a slogan after training.", "Noted (54 characters"),
        ("FACT-KILL-2: a flyer of an extremist group was handed out.", "Noted (113 characters"),
    ]:
        first.answer(line, prompt)

    assert first.kill() == -signal.SIGKILL

    again = Console(env, *args)
    consoles.append(again)
    again.type("/help")
    again.expect("You are sharing a concern.")
    again.expect("Tell me in your own words what you saw or heard")
    for line, prompt in [
        ("Done", "7) I don't know"),
        ("2", "kept apart from the facts.\n  [Skip]"),  # The young person told me
        ("Skip", "less serious)?\n  [Skip]"),
        ("Skip", "4) Online content"),
        ("2", "6) Not known"),  # A group of young people
        ("4", "7) Somewhere else"),  # 18 to 23
        ("2", "5) I don't know"),  # Youth work or community centre
        ("3", "8) Done"),  # Several times
        ("8", "5) I don't know"),  # nothing done yet
        ("3", "3) No rush"),  # Not yet, they will be told
        ("3", "2) No"),
        ("2", "2) Stay pseudonymous"),
    ]:
        again.answer(line, prompt)
    summary = again.answer("1", "3) Discard")
    for earlier in (
        "About: A group of young people",
        "Age: 18 to 23",
        "Setting: Youth work or community centre",
        "FACT-KILL-1: the group chants a slogan after training.\n"
        "FACT-KILL-2: a flyer of an extremist group was handed out.",
        "Source: The young person told me",
        "The coordinator may contact you: no",
    ):
        assert earlier in summary
    again.answer("1", "Thank you. Your concern has been shared.")
    again.expect("Reference: ")
    assert again.finish() == 0
    assert "Traceback" not in first.stderr + again.stderr


BAD_LINES = [
    ("", "I am not asking you anything right now."),
    ("x" * 50_000, "I am not asking you anything right now."),
    ("\x07\u202e", "I am not asking you anything right now."),
    ("/xyz", "I do not know the command /xyz. /help lists what I can do."),
    ("9", "I am not asking you anything right now."),
    ("/new", "2) No"),
    ("9", "Please pick one of the options below"),
    ("", "Please pick one of the options below"),
    ("x" * 50_000, "Please pick one of the options below"),
    ("\x07\u202e", "Please pick one of the options below"),
    ("/xyz", "I do not know the command /xyz."),
    ("2", "1) Understood, continue"),
    ("1", "in your own words"),
    ("", "That message was empty. Please type your answer."),
    ("\x07\u202e\u200b", "That message was empty. Please type your answer."),
    ("x" * 50_000, "Not added: that message (50000 characters) would take this answer past"),
]


def test_bad_input_gets_a_clear_answer_and_never_a_traceback(
    tmp_path: Path, consoles: list[Console]
) -> None:
    console = Console(console_env(tmp_path / "concernbot.db"), "--user", "bea", "--language", "en")
    consoles.append(console)
    for line, answer in BAD_LINES:
        console.answer(line, answer)
    console.type_bytes(b"not \xff\xfe text\n")  # not UTF-8 at all
    console.expect("Noted (")
    console.answer("Done", "Where does this come from?")
    console.answer("/cancel", "Stopped. Nothing was stored or shared.")

    assert console.finish() == 0
    assert "Traceback" not in console.stderr
    assert "x" * 100 not in console.transcript  # an over-long message is not echoed


# --- the delivery contract the console relies on ------------------------------------------


class SlowTerminal:
    """A console outlet whose printing waits until ``gate`` opens."""

    name = "console"

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.printing = asyncio.Event()
        self.printed: list[Outgoing] = []

    async def send(self, reply: Outgoing) -> None:
        """Start printing, wait for the gate, finish printing."""
        self.printing.set()
        await self.gate.wait()
        self.printed.append(reply)


async def test_delivering_while_the_worker_is_printing_returns_only_once_it_is_printed(
    tmp_path: Path,
) -> None:
    # The console reads its next line when delivery returns; a reply the background worker was
    # still printing left that line to be read against the choices of the reply before.
    settings = example_settings(tmp_path / "concernbot.db")
    app = await start_app(settings, FakeClock())
    try:
        terminal = SlowTerminal()
        deliverer = Deliverer(app.uow, {"console": terminal}, app.clock, settings.outbox)
        reply = Reply(Address("console", "anna"), "How urgent is it?")
        async with app.uow() as uow:
            await uow.outbox.add(reply, app.clock.now())
            await uow.commit()
        worker = asyncio.create_task(deliverer.deliver_due())
        await asyncio.wait_for(terminal.printing.wait(), TIMEOUT)
        printed_on_return: list[list[Outgoing]] = []
        sink = asyncio.create_task(deliverer.deliver_due())
        sink.add_done_callback(lambda _: printed_on_return.append(list(terminal.printed)))

        await asyncio.wait({sink}, timeout=0.5)  # room to return too early, as it once did
        terminal.gate.set()
        await asyncio.wait_for(asyncio.gather(worker, sink), TIMEOUT)
    finally:
        await app.close()

    assert printed_on_return == [[reply]]
