"""``concernbot run``, as a real process, refuses a bad configuration or a part it cannot reach
with one line on stderr that names the setting or the part and what to do, and the exit status
of its class: never a traceback, never a secret. The cases and their lines are the table in
docs/configuration-errors.md (``CONCERNBOT_WRITE_CASES=1`` rewrites it from what the process
printed)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.storage.engine import create_engine
from bot.storage.migrate import upgrade
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.startup_cases import CASES, KEY, SECRETS, SLACK_TOKEN, STATUSES, TOKEN, Case

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"
DOC = ROOT / "docs" / "configuration-errors.md"
BEGIN, END = "<!-- cases: begin -->", "<!-- cases: end -->"
PARALLEL = 4
WITHIN = 45.0


@dataclass
class Ended:
    """How one case ended: exit status, stderr and stdout, with its ports and directory
    written as ``<port>`` and ``<dir>``."""

    status: int
    stderr: str
    stdout: str
    line: str = ""


def free_port() -> int:
    """A loopback port nothing listens on (a connection to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(case: Case, directory: Path, telegram: FakeTelegram, slack_api: FakeSlack,
                ports: dict[str, int]) -> dict[str, str]:  # fmt: skip
    """The child's environment: the example configuration, a working database, keys and
    Telegram on its fake, then what the case changes."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONCERNBOT_", "TELEGRAM_", "SLACK_"))
    }
    config = directory / "config.toml"
    if case.config is not None:
        config.write_text(case.config, encoding="utf-8")
    base = {
        "PYTHONPATH": str(ROOT),
        "CONCERNBOT_CONFIG": str(config if case.config is not None else EXAMPLE),
        "CONCERNBOT_DATABASE_URL": f"sqlite:///{directory}/ready.db",
        "CONCERNBOT_ENCRYPTION_KEYS": f"ops1:{KEY}",
        "CONCERNBOT_HTTP_PORT": "0",
        "CONCERNBOT_SCHEDULER_ENABLED": "false",
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "CONCERNBOT_TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{telegram.port}",
        "CONCERNBOT_SLACK_API_BASE_URL": slack_api.base_url,
    }
    filled = {
        k: v.format(dir=directory, **{n: str(p) for n, p in ports.items()})
        for k, v in case.env.items()
    }
    return inherited | base | filled


async def migrated(database: Path) -> None:
    """A SQLite database at the newest schema (copied to every case: migrating one costs a
    second of CPU, and most cases fail before they would use it)."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def run(case: Case, directory: Path, ports: dict[str, int], ready: Path) -> Ended:
    """Start ``concernbot run`` for ``case`` against fakes of its own; wait for its end."""
    shutil.copy(ready, directory / "ready.db")
    telegram, slack_api = FakeTelegram(TOKEN), FakeSlack(SLACK_TOKEN)
    await telegram.start()
    await slack_api.start()
    try:
        if case.telegram is not None:
            case.telegram(telegram)
        if case.files is not None:
            case.files(directory)
        env = environment(case, directory, telegram, slack_api, ports)
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.app.cli", "run", env=env, cwd=directory,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            out, err = await asyncio.wait_for(child.communicate(), WITHIN)
        except TimeoutError:
            child.kill()
            out, err = await child.communicate()
        known = {**ports, "telegram": telegram.port, "slack": slack_api.port}
        ended = Ended(child.returncode or 0, err.decode(), out.decode())
        ended.line = normalised(ended.stderr.strip(), directory, known.values())
        return ended
    finally:
        await telegram.stop()
        await slack_api.stop()


def normalised(text: str, directory: Path, ports: Iterable[int]) -> str:
    """``text`` with the case's directory and ports written the same for every run."""
    text = text.replace(str(directory), "<dir>")
    for port in ports:
        text = re.sub(rf"\b{port}\b", "<port>", text)
    return text


async def run_all(directories: list[Path], ready: Path) -> dict[str, Ended]:
    """Every case, a few at a time, with a refused port and a taken one to point at."""
    await migrated(ready)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = {"refused": free_port(), "taken": int(taken.getsockname()[1])}
        gate = asyncio.Semaphore(PARALLEL)

        async def one(case: Case, directory: Path) -> tuple[str, Ended]:
            async with gate:
                return case.what, await run(case, directory, ports, ready)

        done = await asyncio.gather(*(one(c, d) for c, d in zip(CASES, directories, strict=True)))
    return dict(done)


@pytest.fixture(scope="module")
def ended(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ended]:
    """How every case ended (they run once, side by side)."""
    directories = [tmp_path_factory.mktemp(f"case{i}") for i in range(len(CASES))]
    return asyncio.run(run_all(directories, tmp_path_factory.mktemp("ready") / "ready.db"))


@pytest.mark.parametrize("case", CASES, ids=[c.what for c in CASES])
def test_a_bad_start_ends_with_one_line_naming_the_part_and_the_status_of_its_class(
    case: Case, ended: dict[str, Ended]
) -> None:
    result = ended[case.what]
    output = result.stderr + result.stdout

    assert "Traceback" not in output, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("concernbot: "), result.stderr
    assert case.part in lines[0]
    assert result.status == case.status, result.stderr
    for secret in SECRETS:
        assert secret not in output


def test_every_class_of_failure_has_a_case_and_a_status_of_its_own() -> None:
    assert {c.status for c in CASES} == STATUSES
    assert len(STATUSES) == 6
    assert len(CASES) >= 31


def table(ended: dict[str, Ended]) -> str:
    """The cases as the Markdown table in docs/configuration-errors.md."""
    rows = ["| # | case | exit | what concernbot prints on stderr |", "| -- | -- | -- | -- |"]
    for number, case in enumerate(CASES, start=1):
        line = ended[case.what].line.replace("|", "\\|")
        rows.append(f"| {number} | {case.what} | {case.status} | `{line}` |")
    return "\n".join(rows)


def test_the_documented_table_is_what_the_process_prints(ended: dict[str, Ended]) -> None:
    text = DOC.read_text(encoding="utf-8")
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    written = table(ended)
    if os.environ.get("CONCERNBOT_WRITE_CASES"):
        DOC.write_text(f"{before}{BEGIN}\n{written}\n{END}{after}", encoding="utf-8")
    assert rest.split(END, 1)[0].strip() == written
