"""The running service: /healthz, /metrics, the polling conflict, and ``concernbot run`` as a
process that stops cleanly on SIGTERM without losing a queued message."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import hmac
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import select

from adapters.service import Service, serve_until_signal
from adapters.telegram.errors import PollingConflict
from bot.scheduling.scheduler import JobRun, Scheduler
from bot.settings import Settings
from bot.storage.engine import create_engine
from bot.storage.outbox import PENDING
from bot.storage.tables import outbox
from bot.storage.uow import UnitOfWork
from bot.testing import database_url, example_settings, fixed_cipher
from tests.channel_settings import slack_of, telegram_of, with_channels
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.fakes.telegram_api import FakeTelegram, ScriptedError

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
CONCERNBOT = Path(sys.executable).parent / "concernbot"
WEBHOOK_SECRET = "webhook-secret-5e6f7a8b"
SIGNING_SECRET = "slack-signing-secret-0a1b2c3d"
MADE_UP_KEYS = "ops1:" + base64.urlsafe_b64encode(hashlib.sha256(b"made up").digest()).decode()
WITHIN = 20.0
CONFLICT = ScriptedError(
    409,
    "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running",
)


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def eventually(check: Callable[[], Awaitable[bool]], within: float = WITHIN) -> None:
    """Poll ``check`` until it holds; fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


# --- Prometheus text format ----------------------------------------------------------------------

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"^(?P<name>{_NAME})(?:\{{(?P<labels>[^}}]*)\}})? (?P<value>\S+)(?: -?\d+)?$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)')


@dataclass(frozen=True)
class Sample:
    """One line of a metric family."""

    name: str
    labels: dict[str, str]
    value: float


def parse_prometheus(page: str) -> dict[str, tuple[str, list[Sample]]]:
    """Families by name: their type and samples; fails on anything not in the text format."""
    families: dict[str, tuple[str, list[Sample]]] = {}
    helped: set[str] = set()
    assert page.endswith("\n")
    for line in page.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert re.fullmatch(_NAME, name), line
            assert name not in helped, f"HELP twice for {name}"
            helped.add(name)
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in families, f"TYPE twice for {name}"
            families[name] = (kind, [])
            continue
        assert not line.startswith("#"), f"unexpected comment {line!r}"
        assert line.strip(), "an empty line"
        found = _SAMPLE.match(line)
        assert found is not None, f"not a sample line: {line!r}"
        name, raw_labels = found.group("name"), found.group("labels") or ""
        labels = dict(_LABEL.findall(raw_labels))
        if raw_labels:
            assert _LABEL.sub("", raw_labels) == "", f"bad labels in {line!r}"
        family = next(
            (f for f in families if name in (f, f + "_bucket", f + "_sum", f + "_count")), None
        )
        assert family is not None, f"sample {name} before its TYPE line"
        families[family][1].append(Sample(name, labels, float(found.group("value"))))
    for name, (kind, samples) in families.items():
        if kind == "histogram":
            check_histogram(name, samples)
    return families


def check_histogram(name: str, samples: list[Sample]) -> None:
    """Buckets ascend, counts are cumulative, +Inf equals _count."""
    buckets = [s for s in samples if s.name == name + "_bucket"]
    bounds = [float(s.labels["le"]) for s in buckets]
    assert bounds == sorted(bounds), name
    assert bounds[-1] == math.inf, name
    counts = [s.value for s in buckets]
    assert counts == sorted(counts), f"{name} buckets are not cumulative"
    [count] = [s.value for s in samples if s.name == name + "_count"]
    assert counts[-1] == count
    assert [s.name for s in samples if s.name == name + "_sum"] == [name + "_sum"]


def value(families: dict[str, tuple[str, list[Sample]]], name: str, **labels: str) -> float:
    """The value of the sample ``name`` with exactly these labels (0 when absent)."""
    family = next(f for f in families if name.startswith(f))
    for sample in families[family][1]:
        if sample.name == name and sample.labels == labels:
            return sample.value
    return 0.0


# --- Slack requests, signed as Slack signs them --------------------------------------------------


async def post_signed(url: str, form: dict[str, str], secret: str = SIGNING_SECRET) -> int:
    """POST a form to the bot's Slack endpoint with Slack's v0 request signature."""
    body = urlencode(form)
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as answer,
    ):
        return answer.status


# --- the service in this process -----------------------------------------------------------------


@dataclass
class Fakes:
    """The platforms the service talks to."""

    telegram: FakeTelegram
    slack: FakeSlack


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    """A fake Telegram Bot API and a fake Slack Web API on loopback ports."""
    made = Fakes(FakeTelegram(), FakeSlack())
    await made.telegram.start()
    await made.slack.start()
    yield made
    await made.telegram.stop()
    await made.slack.stop()


def settings_for(database: Path, fakes: Fakes, mode: str, port: int) -> Settings:
    """Example settings pointed at the fakes, serving HTTP on ``port``."""
    settings = example_settings(database)
    telegram = dataclasses.replace(
        telegram_of(settings),
        mode=mode,
        api_base_url=f"http://127.0.0.1:{fakes.telegram.port}",
        webhook_url=fakes.telegram.front(port) if mode == "webhook" else "",
        per_chat_burst=100.0,
    )
    slack = dataclasses.replace(slack_of(settings), api_base_url=fakes.slack.base_url)
    return dataclasses.replace(
        with_channels(settings, telegram=telegram, slack=slack),
        http=dataclasses.replace(settings.http, port=port),
        scheduler=dataclasses.replace(settings.scheduler, leader_check_seconds=1),
    )


def environ_for(fakes: Fakes, mode: str) -> dict[str, str]:
    """The secrets a deployment puts in the environment."""
    env = {
        "TELEGRAM_BOT_TOKEN": fakes.telegram.token,
        "SLACK_BOT_TOKEN": fakes.slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "CONCERNBOT_ENCRYPTION_KEYS": MADE_UP_KEYS,
    }
    if mode == "webhook":
        env["TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    return env


@dataclass
class Running:
    """A started service and where it listens."""

    service: Service
    fakes: Fakes
    mode: str
    port: int

    @property
    def base(self) -> str:
        """The service's own HTTP address."""
        return f"http://127.0.0.1:{self.port}"

    async def get(self, path: str) -> tuple[int, str, str]:
        """GET a page: status, content type and body."""
        async with aiohttp.ClientSession() as session, session.get(self.base + path) as answer:
            return answer.status, answer.content_type, await answer.text()


@pytest.fixture(params=["polling", "webhook"])
async def running(
    request: pytest.FixtureRequest, tmp_path: Path, fakes: Fakes
) -> AsyncIterator[Running]:
    """The service with Telegram (polling, then webhook) and Slack, in this event loop."""
    mode = str(request.param)
    port = free_port()
    settings = settings_for(tmp_path / "service.db", fakes, mode, port)
    service = Service(settings, environ_for(fakes, mode), cipher=fixed_cipher())
    try:
        await service.start()
        yield Running(service, fakes, mode, port)
    finally:
        await service.stop()


async def leading(service: Service) -> bool:
    """Whether the service's health report says it runs the scheduler."""
    return bool((await service.health())["scheduler_leader"])


async def test_healthz_answers_200_with_database_backlog_dead_letters_and_leadership(
    running: Running,
) -> None:
    await eventually(lambda: leading(running.service))

    status, content_type, body = await running.get("/healthz")

    assert (status, content_type) == (200, "application/json")
    report = json.loads(body)
    assert report["ok"] is True
    assert report["ready"] is True
    assert report["database"] == "ok"
    assert report["outbox_backlog"] == 0
    assert report["dead_letters"] == 0
    assert report["scheduler_leader"] is True
    assert "warnings" not in report


class SlowTelegram(FakeTelegram):
    """A Bot API whose getMe answers only once the test lets it."""

    def __init__(self) -> None:
        super().__init__()
        self.let_answer = asyncio.Event()

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        await self.let_answer.wait()
        return await super()._api_getMe(params)


async def test_healthz_answers_503_not_ready_until_the_channels_have_started(
    tmp_path: Path, fakes: Fakes
) -> None:
    slow = SlowTelegram()
    await slow.start()
    both = Fakes(slow, fakes.slack)
    port = free_port()
    settings = settings_for(tmp_path / "service.db", both, "polling", port)
    service = Service(settings, environ_for(both, "polling"), cipher=fixed_cipher())
    running = Running(service, both, "polling", port)
    starting = asyncio.create_task(service.start())
    try:
        await slow.wait_for(lambda: bool(slow.called("getMe")), WITHIN)

        status, _, body = await running.get("/healthz")
        report = json.loads(body)
        assert (status, report["ok"], report["ready"]) == (503, True, False)

        slow.let_answer.set()
        await starting
        status, _, body = await running.get("/healthz")
        report = json.loads(body)
        assert (status, report["ok"], report["ready"]) == (200, True, True)
    finally:
        slow.let_answer.set()
        with contextlib.suppress(Exception):
            await starting
        await service.stop()
        await slow.stop()

    assert service.ready is False
    assert set(service.start_seconds) == {"compose", "serve", "telegram", "slack", "total"}


def test_importing_the_service_loads_no_channel_library_and_not_alembic() -> None:
    program = (
        "import json, sys\n"
        "import adapters.service\n"
        "print(json.dumps(sorted({m.split('.', 1)[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=EXAMPLE.parent,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    loaded = set(json.loads(done.stdout))
    assert "adapters" in loaded
    assert loaded & {"telegram", "slack_bolt", "slack_sdk", "alembic"} == set()


async def test_metrics_parse_as_prometheus_text_and_count_an_update_and_its_delivery(
    running: Running,
) -> None:
    telegram = running.fakes.telegram
    _, _, before_page = await running.get("/metrics")
    before = parse_prometheus(before_page)

    await telegram.push(telegram.message(5150, "/start"))
    await telegram.wait_for(lambda: bool(telegram.texts_to(5150)), WITHIN)

    async def counted() -> bool:
        page = parse_prometheus((await running.get("/metrics"))[2])
        sent = value(page, "concernbot_deliveries_total", channel="telegram", result="sent")
        return sent > value(
            before, "concernbot_deliveries_total", channel="telegram", result="sent"
        )

    await eventually(counted)
    status, content_type, page = await running.get("/metrics")
    assert (status, content_type) == (200, "text/plain")
    families = parse_prometheus(page)
    assert {
        "concernbot_updates_handled_total": "counter",
        "concernbot_turn_seconds": "histogram",
        "concernbot_outbox_backlog": "gauge",
        "concernbot_delivery_latency_seconds": "histogram",
        "concernbot_deliveries_total": "counter",
        "concernbot_dead_letters": "gauge",
        "concernbot_scheduler_leader": "gauge",
    }.items() <= {name: kind for name, (kind, _) in families.items()}.items()
    samples = {sample.name for _, listed in families.values() for sample in listed}
    assert {
        "concernbot_updates_handled_total",
        "concernbot_turn_seconds_bucket",
        "concernbot_outbox_backlog",
        "concernbot_delivery_latency_seconds_bucket",
        "concernbot_deliveries_total",
    } <= samples
    assert value(families, "concernbot_updates_handled_total", channel="telegram") > value(
        before, "concernbot_updates_handled_total", channel="telegram"
    )
    assert value(families, "concernbot_turn_seconds_count") > value(
        before, "concernbot_turn_seconds_count"
    )
    assert value(families, "concernbot_delivery_latency_seconds_count") > value(
        before, "concernbot_delivery_latency_seconds_count"
    )
    assert value(families, "concernbot_outbox_backlog") == 0.0
    assert value(families, "concernbot_dead_letters") == 0.0


async def test_slack_requests_are_served_over_http_and_unsigned_ones_refused(
    running: Running,
) -> None:
    slack = running.fakes.slack
    command = {
        "command": "/concern",
        "text": "help",
        "user_id": "U0STRANGER",
        "user_name": "stranger",
        "team_id": TEAM_ID,
        "channel_id": "C0000000000",
        "trigger_id": "1.2.3",
    }
    url = running.base + "/slack/events"

    assert await post_signed(url, command, secret="not-the-signing-secret") == 401
    assert await post_signed(url, command) == 200

    await slack.wait_for(lambda: bool(slack.called("chat.postEphemeral")), WITHIN)
    [answer] = slack.called("chat.postEphemeral")
    assert answer["user"] == "U0STRANGER"
    assert "112" in str(answer["text"])  # the stranger is told about the bot (in Dutch)


async def test_a_webhook_update_the_bot_could_not_store_is_answered_500_so_telegram_retries_it(
    tmp_path: Path, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    settings = settings_for(tmp_path / "service.db", fakes, "webhook", port)
    service = Service(settings, environ_for(fakes, "webhook"), cipher=fixed_cipher())
    telegram = fakes.telegram
    try:
        await service.start()
        await eventually(lambda: leading(service))
        update = telegram.message(6160, "/start")

        async def database_down(self: UnitOfWork) -> UnitOfWork:
            raise ConnectionRefusedError("the database is unreachable")

        monkeypatch.setattr(UnitOfWork, "__aenter__", database_down)
        assert await telegram.post_webhook(update) == 500
        monkeypatch.undo()

        assert await telegram.post_webhook(update) == 200
        await telegram.wait_for(lambda: bool(telegram.texts_to(6160)), WITHIN)
        assert len(telegram.texts_to(6160)) == 1
    finally:
        await service.stop()


async def test_the_same_webhook_update_posted_twice_is_handled_once(
    tmp_path: Path, fakes: Fakes
) -> None:
    settings = settings_for(tmp_path / "service.db", fakes, "webhook", free_port())
    service = Service(settings, environ_for(fakes, "webhook"), cipher=fixed_cipher())
    telegram = fakes.telegram
    try:
        await service.start()
        update = telegram.message(6161, "/start")

        assert await telegram.post_webhook(update) == 200
        assert await telegram.post_webhook(update) == 200
        await telegram.wait_for(lambda: bool(telegram.texts_to(6161)), WITHIN)
        assert service.deliverer is not None
        assert await service.deliverer.deliver_due() == 0
    finally:
        await service.stop()

    assert len(telegram.texts_to(6161)) == 1


async def test_a_scheduler_that_could_not_catch_up_starts_at_the_next_leadership_check(
    tmp_path: Path, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path / "service.db", fakes, "polling", free_port())
    service = Service(settings, environ_for(fakes, "polling"), cipher=fixed_cipher())
    outage = [ConnectionRefusedError("the database is unreachable")]
    catch_up = Scheduler.catch_up

    async def flaky_catch_up(self: Scheduler) -> list[JobRun]:
        if outage:
            raise outage.pop()
        return await catch_up(self)

    monkeypatch.setattr(Scheduler, "catch_up", flaky_catch_up)
    try:
        await service.start()

        await eventually(lambda: leading(service))

        assert outage == []
        assert (await service.health())["scheduler_leader"] is True
    finally:
        await service.stop()


async def test_polling_refuses_to_start_while_another_poller_holds_the_bot(
    tmp_path: Path, fakes: Fakes
) -> None:
    settings = settings_for(tmp_path / "service.db", fakes, "polling", free_port())
    environ = environ_for(fakes, "polling")
    fakes.telegram.fail_next("getUpdates", CONFLICT)
    service = Service(settings, environ, cipher=fixed_cipher())
    try:
        with pytest.raises(PollingConflict, match="another instance is already polling"):
            await service.start()
    finally:
        await service.stop()
    fakes.telegram.fail_next("getUpdates", CONFLICT)

    with pytest.raises(PollingConflict) as conflict:
        await serve_until_signal(settings, environ)
    assert conflict.value.status == 3

    assert fakes.telegram.pending_updates() == 0
    assert len(fakes.telegram.called("getUpdates")) == 2


# --- ``concernbot run`` as a process --------------------------------------------------------------


@dataclass
class Process:
    """A ``concernbot run`` child process and where it serves HTTP."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    async def healthz(self) -> dict[str, Any] | None:
        """The health report, or None while nothing answers."""
        url = f"http://127.0.0.1:{self.port}/healthz"
        try:
            async with aiohttp.ClientSession() as session, session.get(url) as answer:
                report: dict[str, Any] = await answer.json()
                return report if answer.status == 200 else None
        except aiohttp.ClientError:
            return None

    async def until_healthy(self) -> dict[str, Any]:
        """Wait for /healthz to answer 200 (fails when the process ends first)."""
        found: dict[str, Any] = {}

        async def healthy() -> bool:
            assert self.process.returncode is None, self.log.read_text()
            report = await self.healthz()
            found.update(report or {})
            return report is not None

        await eventually(healthy, 30.0)
        return found

    async def terminate(self, within: float = 10.0) -> int:
        """Send SIGTERM and wait for the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), within)


def run_environ(fakes: Fakes, database: str, port: int) -> dict[str, str]:
    """The environment of a ``concernbot run`` child: polling Telegram, made-up keys."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONCERNBOT_", "TELEGRAM_", "SLACK_"))
    }
    return inherited | {
        "CONCERNBOT_CONFIG": str(EXAMPLE),
        "TELEGRAM_BOT_TOKEN": fakes.telegram.token,
        "CONCERNBOT_TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{fakes.telegram.port}",
        "CONCERNBOT_HTTP_PORT": str(port),
        "CONCERNBOT_DATABASE_URL": database,
        "CONCERNBOT_ENCRYPTION_KEYS": MADE_UP_KEYS,
        "CONCERNBOT_OUTBOX_BASE_BACKOFF_SECONDS": "0.2",
    }


async def spawn(env: dict[str, str], cwd: Path, name: str, *options: str) -> Process:
    """Start ``concernbot [options] run`` with ``env``; its log goes to a file in ``cwd``."""
    log = cwd / f"{name}.log"
    with log.open("wb") as sink:
        child = await asyncio.create_subprocess_exec(
            str(CONCERNBOT), *options, "run", env=env, cwd=cwd, stdout=sink, stderr=sink
        )
    return Process(child, int(env["CONCERNBOT_HTTP_PORT"]), log)


@pytest.fixture
def children() -> list[Process]:
    """Processes a test started; any still running at the end are killed."""
    return []


@pytest.fixture(autouse=True)
async def _reap(children: list[Process]) -> AsyncIterator[None]:
    yield
    for child in children:
        if child.process.returncode is None:
            child.process.kill()
            await child.process.wait()


async def outbox_states(database: str, address: str) -> list[str]:
    """The states of the outbox rows for one Telegram chat."""
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(outbox.c.state).where(outbox.c.address == address).order_by(outbox.c.id)
            )
            return [r.state for r in rows]
    finally:
        await engine.dispose()


async def test_concernbot_run_serves_healthz_and_stops_on_sigterm_losing_nothing(
    tmp_path: Path, fakes: Fakes, children: list[Process]
) -> None:
    telegram = fakes.telegram
    database = database_url(tmp_path / "run.db")
    env = run_environ(fakes, database, free_port())
    first = await spawn(env, tmp_path, "first")
    children.append(first)
    report = await first.until_healthy()
    assert report["database"] == "ok"

    async def leads() -> bool:
        return bool((await first.healthz() or {}).get("scheduler_leader"))

    await eventually(leads)

    # Telegram is failing when the bot's answer is due: it stays queued in the outbox.
    telegram.fail_next("sendMessage", ScriptedError(502, "Bad Gateway"), times=1000)
    await telegram.push(telegram.message(7170, "/start"))
    await telegram.wait_for(lambda: bool(telegram.called("sendMessage")), WITHIN)

    started = time.monotonic()
    assert await first.terminate() == 0
    assert time.monotonic() - started < 8.0
    assert await outbox_states(database, "7170") == [PENDING]
    assert telegram.sent == []

    telegram.errors.clear()
    second = await spawn(env, tmp_path, "second")
    children.append(second)
    await second.until_healthy()
    await telegram.wait_for(lambda: bool(telegram.sent), WITHIN)
    assert await second.terminate() == 0

    assert [m["chat"]["id"] for m in telegram.sent] == [7170]
    assert "Only invited professionals" in telegram.sent[0]["text"]
    assert await outbox_states(database, "7170") == ["sent"]
    assert "Traceback" not in first.log.read_text() + second.log.read_text()


async def test_concernbot_run_leaves_what_it_built_at_start_out_of_full_collections(
    tmp_path: Path, fakes: Fakes, children: list[Process]
) -> None:
    env = run_environ(fakes, database_url(tmp_path / "run.db"), free_port())
    child = await spawn(env, tmp_path, "verbose", "--verbose")
    children.append(child)
    await child.until_healthy()

    async def settled() -> bool:
        return "heap settled" in child.log.read_text()

    await eventually(settled)
    frozen = re.search(r"heap settled: (\d+) objects", child.log.read_text())
    assert frozen is not None
    assert int(frozen.group(1)) > 10_000
    assert await child.terminate() == 0


async def test_concernbot_run_exits_with_status_3_when_another_poller_holds_the_bot(
    tmp_path: Path, fakes: Fakes, children: list[Process]
) -> None:
    fakes.telegram.fail_next("getUpdates", CONFLICT)
    env = run_environ(fakes, database_url(tmp_path / "conflict.db"), free_port())

    child = await spawn(env, tmp_path, "conflict")
    children.append(child)

    assert await asyncio.wait_for(child.process.wait(), 30.0) == 3
    assert "another instance is already polling" in child.log.read_text()
