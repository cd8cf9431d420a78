"""The test commands are honest: a PostgreSQL run without a server fails, it never turns green
on SQLite; scripts/test-postgres takes a free port when its own is taken."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.testing import POSTGRES_ENV

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "test-postgres"
URL_PORT = re.compile(r"^postgresql\+psycopg://postgres@127\.0\.0\.1:(\d+)/postgres$")
REAL_PG = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))

FAKE_PG_CTL = """#!/bin/sh
for a in "$@"; do last="$a"; done
case "$last" in
    status) exit 3 ;;
    start) echo "fake pg_ctl $*"; exit {start} ;;
esac
exit 0
"""


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory outside pytest's private tmp: the script runs PostgreSQL as its own user."""
    path = Path(tempfile.mkdtemp(prefix="concernbot-make-test-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    if (path / "data" / "postmaster.pid").exists():  # a server that should not have started
        run_script(script_env(path / "data", 0), "stop")
    shutil.rmtree(path, ignore_errors=True)


def fake_postgres(directory: Path, start_status: int) -> Path:
    """pg_ctl, initdb and pg_isready that do nothing; ``pg_ctl start`` exits with the status."""
    directory.mkdir(mode=0o755)
    tools = {
        "pg_ctl": FAKE_PG_CTL.format(start=start_status),
        "initdb": "#!/bin/sh\nexit 0\n",
        "pg_isready": "#!/bin/sh\nexit 0\n",
    }
    for name, text in tools.items():
        (directory / name).write_text(text, encoding="utf-8")
        (directory / name).chmod(0o755)
    return directory


def script_env(data: Path, port: int, **extra: str) -> dict[str, str]:
    """The script's environment: this test's data directory and port, no test URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERNBOT_")}
    env.update(
        CONCERNBOT_TEST_PG_DATA=str(data), CONCERNBOT_TEST_PG_PORT=str(port), PYTHON=sys.executable
    )
    env.update(extra)
    return env


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program listens on for the length of the test."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def run_script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """scripts/test-postgres with ``args``."""
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_postgres_script_picks_a_free_port_when_its_own_is_taken(
    shared_dir: Path, taken_port: int
) -> None:
    tools = fake_postgres(shared_dir / "bin", start_status=0)
    env = script_env(shared_dir / "data", taken_port, CONCERNBOT_TEST_PG_BIN=str(tools))
    done = run_script(env)
    assert done.returncode == 0, done.stderr
    match = URL_PORT.match(done.stdout.strip())
    assert match is not None, done.stdout
    used = int(match.group(1))
    assert used != taken_port
    assert f"-p {used} " in done.stderr
    assert f"port {taken_port} is taken; using {used}" in done.stderr


@pytest.mark.skipif(not REAL_PG, reason="needs PostgreSQL's binaries (make test installs them)")
def test_a_real_server_starts_on_another_port_when_its_own_is_taken_and_answers_there(
    shared_dir: Path, taken_port: int
) -> None:
    import psycopg

    env = script_env(shared_dir / "data", taken_port)
    try:
        done = run_script(env)
        assert done.returncode == 0, done.stderr
        match = URL_PORT.match(done.stdout.strip())
        assert match is not None, done.stdout
        assert int(match.group(1)) != taken_port
        url = done.stdout.strip().replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(url, connect_timeout=10) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
        again = run_script(env)
        assert again.stdout == done.stdout, "a second call names the server already running"
    finally:
        run_script(env, "stop")


def test_the_postgres_script_prints_no_url_and_fails_when_the_server_does_not_start(
    shared_dir: Path,
) -> None:
    tools = fake_postgres(shared_dir / "bin", start_status=1)
    env = script_env(shared_dir / "data", free_port(), CONCERNBOT_TEST_PG_BIN=str(tools))
    done = run_script(env)
    assert done.returncode != 0
    assert done.stdout == ""
    assert "PostgreSQL did not start" in done.stderr


def make_pytest_postgres(
    tmp_path: Path, env: dict[str, str], *variables: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``make pytest-postgres`` with a stand-in for pytest that notes it ran; the marker path."""
    bin_dir = tmp_path / "venv-bin"
    bin_dir.mkdir()
    marker = tmp_path / "pytest-ran"
    pytest_stub = bin_dir / "pytest"
    pytest_stub.write_text(
        f'#!/bin/sh\necho "$CONCERNBOT_TEST_POSTGRES_URL" > {marker}\n', encoding="utf-8"
    )
    pytest_stub.chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()  # newer than pyproject.toml: make installs nothing
    command = ["make", "-s", "-C", str(ROOT), "pytest-postgres", f"BIN={bin_dir}"]
    done = subprocess.run(
        [*command, f"STAMP={stamp}", *variables],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, marker


def test_make_pytest_postgres_fails_and_runs_no_tests_when_the_server_does_not_start(
    tmp_path: Path, shared_dir: Path
) -> None:
    tools = fake_postgres(shared_dir / "bin", start_status=1)
    env = script_env(shared_dir / "data", free_port(), CONCERNBOT_TEST_PG_BIN=str(tools))
    done, marker = make_pytest_postgres(tmp_path, env)
    assert done.returncode != 0
    assert not marker.exists(), "the suite ran without its PostgreSQL"
    assert "PostgreSQL did not start" in done.stderr


def test_make_pytest_postgres_fails_when_the_data_directory_cannot_be_made(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.touch()
    done, marker = make_pytest_postgres(tmp_path, script_env(blocker / "data", free_port()))
    assert done.returncode != 0
    assert not marker.exists(), "the suite ran without its PostgreSQL"


def test_make_pytest_postgres_refuses_an_empty_url(tmp_path: Path) -> None:
    silent = tmp_path / "silent-test-postgres"
    silent.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    silent.chmod(0o755)
    env = script_env(tmp_path / "data", free_port())
    done, marker = make_pytest_postgres(tmp_path, env, f"TEST_POSTGRES={silent}")
    assert done.returncode != 0
    assert not marker.exists()
    assert "printed no URL" in done.stderr


def test_pytest_fails_rather_than_skips_when_the_postgres_url_is_unreachable() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCERNBOT_")}
    env[POSTGRES_ENV] = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/postgres"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_packaging.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0, done.stdout
    assert "no PostgreSQL answers" in done.stderr + done.stdout
