"""Three ``concernbot run`` processes on one PostgreSQL database, behind a load balancer.

The fake Telegram posts webhook updates to the instances in turn (and, as Telegram retries,
to the next instance when a post fails); the fake Slack is the coordinators' alert channel.
Reporters enrol with invites and share concerns through the dialog at the same time; halfway
through, one instance (the scheduler's leader) is killed with SIGKILL. At the end every
reporter has a reference, every alert is in the Slack channel and every acknowledgement has
reached its reporter: nothing lost, and no more duplicates than the killed instance had
messages in flight (claimed, perhaps sent, not yet recorded as sent: the documented crash
window). Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import signal
import socket
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text

from bot.app.composition import bootstrap
from bot.app.config import load_settings
from bot.domain.model import Role
from bot.storage.crypto import Cipher, KeyRing
from bot.storage.engine import create_engine
from bot.testing import database_url, using_postgres
from bot.usecases.invites import create_invite
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.skipif(
    not using_postgres(), reason="several instances share one PostgreSQL database"
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
CONCERNBOT = Path(sys.executable).parent / "concernbot"
ORG = "jongerenwerk-noord"
FEED = "C0000000000"  # the demo network's alert channel in the example configuration
COORDINATOR = "U0COORD"
WEBHOOK_SECRET = "webhook-secret-3c4d5e6f"
SIGNING_SECRET = "slack-signing-secret-7a8b9c0d"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MADE_UP_KEYS = "ops1:" + base64.urlsafe_b64encode(hashlib.sha256(b"three").digest()).decode()
INSTANCES = 3
CONCERNS = 300
AT_ONCE = 150  # reporters in the middle of a dialog at the same time
KILL_AFTER = 100  # references handed out before one instance is killed
WITHIN = 150.0
REFERENCE = re.compile(r"Reference: ([A-Z2-9]{3}-[A-Z2-9]{3})")
ANY_REFERENCE = re.compile(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}\b")
FIRST_REPORTER = 810_000

T = TypeVar("T")

# A short path through the share dialog (pseudonymous, no contact), by buttons and text.
# Each prompt is recognised by its words, so a late duplicate of an earlier prompt cannot make
# a reporter skip a step.
PRESS, SAY = "press", "say"
STEPS: tuple[tuple[str, str, str], ...] = (
    ("Please check your account", PRESS, "confirm"),
    ("Here you can share a worry", PRESS, "no"),  # anyone in immediate danger?
    ("Stored encrypted", PRESS, "continue"),
    ("in your own words", SAY, "LOAD-FACT: slogans shouted in the canteen after an attack."),
    ("Noted (", PRESS, "done"),
    ("Where does this come from?", SAY, "own_observation"),
    ("What do you make of it yourself?", PRESS, "skip"),
    ("points the other way", PRESS, "skip"),
    ("Is it about one young person", SAY, "group"),
    ("How old is", SAY, "16_17"),
    ("Where did you notice it?", SAY, "school"),
    ("How often, and since when?", SAY, "several"),
    ("What has already been done?", PRESS, "done"),
    ("Do the young person or the parents know", SAY, "not_yet"),
    ("How urgent is it?", SAY, "week"),
    ("May the coordinator contact you", SAY, "no"),  # an option typed: its id, label or number
    ("Should the coordinator see your name", SAY, "pseudonym"),
)


def move_for(prompt: str) -> tuple[str, str]:
    """What a reporter does at the step ``prompt`` shows."""
    for marker, kind, value in STEPS:
        if marker in prompt:
            return kind, value
    raise AssertionError(f"an unexpected prompt: {prompt[:80]!r}")


# --- the fakes, as several instances see them ----------------------------------------------------


class BalancedTelegram(FakeTelegram):
    """The fake Bot API behind a load balancer: webhook updates go to the instances in turn,
    and a post that fails is sent again to the next instance (Telegram retries)."""

    def __init__(self) -> None:
        super().__init__()
        self.backends: list[str] = []
        self.retried = 0
        self._turn = itertools.count()
        self.chats: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self._chat_changed: dict[int, asyncio.Condition] = defaultdict(asyncio.Condition)
        self._client: aiohttp.ClientSession | None = None

    async def stop(self) -> None:
        """Close the balancer's client too."""
        if self._client is not None:
            await self._client.close()
        await super().stop()

    async def push(self, update: dict[str, Any]) -> None:
        """POST ``update`` to the next instance; on failure, to the one after it."""
        if self._client is None:
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0),
                timeout=aiohttp.ClientTimeout(total=60),
            )
        headers = {SECRET_HEADER: self.webhook_secret}
        failures: list[str] = []
        for _ in range(4 * len(self.backends)):
            url = self.backends[next(self._turn) % len(self.backends)]
            try:
                async with self._client.post(url, json=update, headers=headers) as answer:
                    if answer.status == 200:
                        return
                    failures.append(f"{url}: {answer.status}")
            except (aiohttp.ClientError, TimeoutError) as error:
                failures.append(f"{url}: {type(error).__name__}")
            self.retried += 1
        raise AssertionError(f"no instance took update {update['update_id']}: {failures}")

    async def _api_sendMessage(  # noqa: N802 - the Bot API method it serves
        self, params: dict[str, Any]
    ) -> dict[str, Any] | web.Response:
        result = await super()._api_sendMessage(params)
        if isinstance(result, dict):
            chat = int(params["chat_id"])
            changed = self._chat_changed[chat]
            async with changed:
                self.chats[chat].append(result)
                changed.notify_all()
        return result

    async def wait_in_chat(
        self, chat: int, find: Callable[[list[dict[str, Any]]], T | None], within: float
    ) -> T:
        """Wait until ``find`` finds something among the messages sent to ``chat``."""
        changed = self._chat_changed[chat]

        async def until() -> T:
            async with changed:
                while (found := find(self.chats[chat])) is None:
                    await changed.wait()
                return found

        try:
            return await asyncio.wait_for(until(), within)
        except TimeoutError:
            seen = [(m.get("text", "")[:60], nonce_of(m)) for m in self.chats[chat]]
            raise AssertionError(f"chat {chat} waited in vain; it got {seen}") from None


class WatchedSlack(FakeSlack):
    """The fake Web API, noting which concern references reached the alert channel."""

    def __init__(self) -> None:
        super().__init__()
        self.alerted: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        answer = super()._api_chat_postMessage(params)
        if answer.get("ok") and params.get("channel") == FEED and not params.get("thread_ts"):
            for reference in ANY_REFERENCE.findall(str(params.get("text", ""))):
                self.alerted[reference].set()
        return answer


# --- the instances -------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Instance:
    """One ``concernbot run`` process."""

    name: str
    port: int
    log: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def base(self) -> str:
        """The instance's own HTTP address."""
        return f"http://127.0.0.1:{self.port}"

    async def healthz(self, session: aiohttp.ClientSession) -> dict[str, Any] | None:
        """The health report, or None while nothing answers."""
        try:
            async with session.get(self.base + "/healthz") as answer:
                report: dict[str, Any] = await answer.json()
                return report if answer.status == 200 else None
        except (aiohttp.ClientError, TimeoutError):
            return None


def instance_environ(
    telegram: FakeTelegram, slack: FakeSlack, database: str, port: int
) -> dict[str, str]:
    """Everything an instance is configured with: webhook mode, the fakes, made-up keys."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONCERNBOT_", "TELEGRAM_", "SLACK_"))
    }
    return inherited | {
        "CONCERNBOT_CONFIG": str(EXAMPLE),
        "CONCERNBOT_DATABASE_URL": database,
        "CONCERNBOT_ENCRYPTION_KEYS": MADE_UP_KEYS,
        "CONCERNBOT_HTTP_PORT": str(port),
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "CONCERNBOT_TELEGRAM_MODE": "webhook",
        "CONCERNBOT_TELEGRAM_WEBHOOK_URL": "https://concernbot.example/telegram/webhook",
        "CONCERNBOT_TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{telegram.port}",
        "CONCERNBOT_TELEGRAM_OVERALL_PER_SECOND": "1000",
        "CONCERNBOT_TELEGRAM_PER_CHAT_PER_SECOND": "100",
        "CONCERNBOT_TELEGRAM_PER_CHAT_BURST": "100",
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "CONCERNBOT_SLACK_API_BASE_URL": slack.base_url,
        "CONCERNBOT_SLACK_OVERALL_PER_SECOND": "1000",
        "CONCERNBOT_SLACK_PER_CHANNEL_PER_SECOND": "1000",
        "CONCERNBOT_SLACK_PER_CHANNEL_BURST": "1000",
        "CONCERNBOT_SCHEDULER_LEADER_CHECK_SECONDS": "2",
        # One coordinator acknowledges all 300 concerns within seconds: above any sane limit.
        "CONCERNBOT_LIMITS_MESSAGES_BURST": "1000",
    }


@dataclass
class Cluster:
    """The fakes, the instances and a client session for the test's own requests."""

    telegram: BalancedTelegram
    slack: WatchedSlack
    database: str
    instances: list[Instance]
    session: aiohttp.ClientSession
    codes: list[str] = field(default_factory=list)
    coordinator_code: str = ""
    actions: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def alive(self) -> list[Instance]:
        """The instances still running."""
        return [i for i in self.instances if i.process and i.process.returncode is None]

    async def post_slack(self, form: dict[str, str]) -> None:
        """POST a signed Slack request to a live instance (the next one when a post fails)."""
        body = urlencode(form)
        for instance in itertools.islice(itertools.cycle(self.alive), 2 * len(self.alive)):
            stamp = str(int(time.time()))
            mac = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:{body}".encode(), "sha256")
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": "v0=" + mac.hexdigest(),
            }
            try:
                url = instance.base + "/slack/events"
                async with self.session.post(url, data=body, headers=headers) as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                continue
        raise AssertionError("no instance took the Slack request")


async def start_instance(cluster: Cluster, instance: Instance) -> None:
    """Spawn ``concernbot run`` for ``instance``."""
    env = instance_environ(cluster.telegram, cluster.slack, cluster.database, instance.port)
    with instance.log.open("wb") as sink:
        instance.process = await asyncio.create_subprocess_exec(
            str(CONCERNBOT), "run", env=env, cwd=instance.log.parent, stdout=sink, stderr=sink
        )


async def until_healthy(cluster: Cluster, instance: Instance, within: float = 60.0) -> None:
    """Wait for the instance's /healthz (fails when the process ends first)."""
    deadline = time.monotonic() + within
    while await instance.healthz(cluster.session) is None:
        assert instance.process is not None
        assert instance.process.returncode is None, instance.log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the instance did not come up"
        await asyncio.sleep(0.1)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    """Invites in a fresh database, the fakes, and three running instances."""
    database = database_url(tmp_path / "instances.db")
    settings = load_settings(EXAMPLE, {"CONCERNBOT_DATABASE_URL": database})
    app = await bootstrap(settings, cipher=Cipher(KeyRing.parse(MADE_UP_KEYS)), environ={})
    try:
        async with app.uow() as uow:
            now, week = app.clock.now(), timedelta(days=7)
            codes = [
                await create_invite(uow, settings, ORG, Role.REPORTER, week, now)
                for _ in range(CONCERNS)
            ]
            coordinator = await create_invite(uow, settings, ORG, Role.COORDINATOR, week, now)
            await uow.commit()
    finally:
        await app.close()
    telegram, slack = BalancedTelegram(), WatchedSlack()
    await telegram.start()
    await slack.start()
    instances = [
        Instance(f"instance{n}", free_port(), tmp_path / f"instance{n}.log")
        for n in range(INSTANCES)
    ]
    telegram.backends = [f"{i.base}/telegram/webhook" for i in instances]
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
    made = Cluster(telegram, slack, database, instances, session, codes, coordinator)
    try:
        await asyncio.gather(*(start_instance(made, i) for i in instances))
        await asyncio.gather(*(until_healthy(made, i) for i in instances))
        yield made
    finally:
        for instance in instances:
            if instance.process is not None and instance.process.returncode is None:
                instance.process.send_signal(signal.SIGTERM)
        for instance in instances:
            if instance.process is not None:
                try:
                    await asyncio.wait_for(instance.process.wait(), 15)
                except TimeoutError:
                    instance.process.kill()
                    await instance.process.wait()
        await session.close()
        await telegram.stop()
        await slack.stop()


# --- people --------------------------------------------------------------------------------------


def nonce_of(message: dict[str, Any]) -> tuple[str, int] | None:
    """The dialog step a message's buttons belong to: (dialog instance, turn)."""
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not rows:
        return None
    nonce = str(rows[0][0].get("callback_data", "")).partition("|")[0]
    instance, _, turn = nonce.rpartition(".")
    return (instance, int(turn)) if turn.isdecimal() else None


Step = tuple[str, int]


def next_message(after: int, seen: Step | None) -> Callable[[list[dict[str, Any]]], Any]:
    """Finds, past index ``after``, the reference or a dialog step later than ``seen`` (or a
    long-text step's echo): a late duplicate of an earlier step is not it."""

    def find(messages: list[dict[str, Any]]) -> tuple[int, dict[str, Any]] | None:
        for index in range(after + 1, len(messages)):
            if REFERENCE.search(str(messages[index].get("text", ""))):
                return index, messages[index]
        for index in range(len(messages) - 1, after, -1):
            message = messages[index]
            step = nonce_of(message)
            if step is None:
                continue
            later = seen is None or step[0] != seen[0] or step[1] > seen[1]
            echo = step == seen and str(message.get("text", "")).startswith("Noted (")
            return (index, message) if later or echo else None
        return None

    return find


def containing(pattern: re.Pattern[str] | str) -> Callable[[list[dict[str, Any]]], str | None]:
    """Finds the first match of ``pattern`` in the messages' texts (the group, if any)."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern

    def find(messages: list[dict[str, Any]]) -> str | None:
        for message in messages:
            found = regex.search(str(message.get("text", "")))
            if found:
                return found.group(found.lastindex or 0)
        return None

    return find


@dataclass
class Progress:
    """What the run has achieved so far."""

    references: dict[int, str] = field(default_factory=dict)
    shared: asyncio.Event = field(default_factory=asyncio.Event)
    started: float = field(default_factory=time.monotonic)


async def share(cluster: Cluster, user: int, code: str, progress: Progress) -> str:
    """One reporter: enrol with the invite, share a concern, return its reference."""
    telegram = cluster.telegram
    await telegram.push(telegram.message(user, f"/start {code}"))
    await telegram.wait_in_chat(user, containing("Welcome"), WITHIN)
    after, seen = len(telegram.chats[user]) - 1, None
    await telegram.push(telegram.message(user, "/new"))
    for _ in range(3 * len(STEPS)):
        after, prompt = await telegram.wait_in_chat(user, next_message(after, seen), WITHIN)
        words = str(prompt.get("text", ""))
        found = REFERENCE.search(words)
        if found:
            progress.references[user] = found.group(1)
            if len(progress.references) >= KILL_AFTER:
                progress.shared.set()
            return found.group(1)
        seen = nonce_of(prompt)
        assert seen is not None
        kind, value = move_for(words)
        if kind == PRESS:
            data = f"{seen[0]}.{seen[1]}|{value}"
            await telegram.push(telegram.callback(user, data, prompt["message_id"]))
        else:
            await telegram.push(telegram.message(user, value))
    raise AssertionError(f"reporter {user} went round in circles")


async def acknowledge(cluster: Cluster, user: int, reference: str) -> None:
    """The coordinator presses Acknowledge on the alert; the reporter hears of it."""
    await asyncio.wait_for(cluster.slack.alerted[reference].wait(), WITHIN)
    action = next(cluster.actions)
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": COORDINATOR, "name": "coordinator", "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": f"{action}.{action}.trigger",
        "channel": {"id": FEED, "name": "alerts"},
        "container": {"type": "message", "channel_id": FEED, "is_ephemeral": False},
        "actions": [
            {
                "type": "button",
                "action_id": "act:ack",
                "block_id": "triage",
                "value": reference,
                "action_ts": f"1764400000.{action:06d}",
            }
        ],
    }
    await cluster.post_slack({"payload": json.dumps(payload)})
    update = re.compile(re.escape(f"Update on your concern {reference}"))
    await cluster.telegram.wait_in_chat(user, containing(update), WITHIN)


# --- counting ----------------------------------------------------------------------------------


def duplicates(items: list[Any]) -> int:
    """How many items are repeats of an earlier one."""
    return sum(n - 1 for n in Counter(items).values() if n > 1)


def telegram_duplicates(telegram: BalancedTelegram) -> int:
    """Messages (text and buttons) a chat received more than once, and repeated deletions."""
    sent = [
        (chat, m.get("text"), json.dumps(m.get("reply_markup"), sort_keys=True))
        for chat, messages in telegram.chats.items()
        for m in messages
    ]
    return duplicates(sent) + duplicates(telegram.deleted)


def slack_duplicates(slack: FakeSlack) -> int:
    """Posts and updates the alert channel received more than once."""
    posts = [
        (p.get("channel"), p.get("text"), p.get("thread_ts"))
        for p in slack.called("chat.postMessage")
    ]
    updates = [(p.get("channel"), p.get("ts"), p.get("text")) for p in slack.called("chat.update")]
    return duplicates(posts) + duplicates(updates)


async def claimed_now(database: str) -> dict[int, datetime]:
    """Outbox messages claimed by a worker and not settled yet (those in flight), with the
    end of their lease."""
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            query = text(
                "SELECT id, claimed_until FROM outbox "
                "WHERE state = 'pending' AND claimed_until > now()"
            )
            return {int(r.id): r.claimed_until for r in await connection.execute(query)}
    finally:
        await engine.dispose()


async def sent_after_lease(database: str, claims: dict[int, datetime]) -> int:
    """How many of ``claims`` were delivered only after their lease ran out: those the killed
    instance held (a survivor's claim is settled within its lease)."""
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            query = text("SELECT id, sent_at FROM outbox WHERE id = ANY(:ids)")
            rows = await connection.execute(query, {"ids": list(claims)})
            return sum(r.sent_at is None or r.sent_at >= claims[r.id] for r in rows)
    finally:
        await engine.dispose()


async def outbox_states(database: str) -> Counter[str]:
    """How many outbox rows are in each state."""
    engine = create_engine(database)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT state, count(*) FROM outbox GROUP BY state")
            )
            return Counter({str(state): int(n) for state, n in rows})
    finally:
        await engine.dispose()


def mean(values: dict[str, float], name: str) -> float:
    """The mean of a histogram from its _sum and _count samples."""
    return values.get(f"{name}_sum", 0.0) / max(values.get(f"{name}_count", 0.0), 1.0)


async def averages(cluster: Cluster) -> str:
    """Mean turn time and delivery latency of the live instances, from their /metrics."""
    parts = []
    for instance in cluster.alive:
        async with cluster.session.get(instance.base + "/metrics") as answer:
            page = await answer.text()
        values = {
            line.split()[0]: float(line.split()[1])
            for line in page.splitlines()
            if line and not line.startswith("#")
        }
        parts.append(
            f"{instance.name}: {values.get('concernbot_turn_seconds_count', 0):.0f} turns "
            f"of {1000 * mean(values, 'concernbot_turn_seconds'):.0f} ms, delivered after "
            f"{1000 * mean(values, 'concernbot_delivery_latency_seconds'):.0f} ms"
        )
    return "; ".join(parts)


async def leader(cluster: Cluster) -> Instance | None:
    """The live instance whose health report says it runs the scheduler."""
    for instance in cluster.alive:
        report = await instance.healthz(cluster.session)
        if report is not None and report.get("scheduler_leader"):
            return instance
    return None


async def eventually_leader(cluster: Cluster, within: float = 30.0) -> Instance:
    """Wait until one live instance leads the scheduler."""
    deadline = time.monotonic() + within
    while (found := await leader(cluster)) is None:
        assert time.monotonic() < deadline, "no instance took over the scheduler"
        await asyncio.sleep(0.2)
    return found


# --- the test ----------------------------------------------------------------------------------


async def test_three_instances_carry_300_concerns_through_a_crash_losing_nothing(
    cluster: Cluster,
) -> None:
    started = time.monotonic()
    telegram, slack = cluster.telegram, cluster.slack
    first_leader = await eventually_leader(cluster)
    await cluster.post_slack(
        {
            "command": "/concern",
            "text": f"join {cluster.coordinator_code}",
            "user_id": COORDINATOR,
            "user_name": "coordinator",
            "team_id": TEAM_ID,
            "channel_id": FEED,
            "trigger_id": "0.0.join",
        }
    )
    await slack.wait_for(lambda: bool(slack.called("chat.postEphemeral")), 30.0)

    progress = Progress()
    gate = asyncio.Semaphore(AT_ONCE)
    users = [FIRST_REPORTER + n for n in range(CONCERNS)]

    async def reporter(user: int, code: str) -> str:
        async with gate:
            return await share(cluster, user, code, progress)

    sharing = asyncio.gather(*(reporter(u, c) for u, c in zip(users, cluster.codes, strict=True)))

    halfway = asyncio.ensure_future(progress.shared.wait())
    either: set[asyncio.Future[Any]] = {halfway, sharing}
    await asyncio.wait(either, timeout=2 * WITHIN, return_when=asyncio.FIRST_COMPLETED)
    if sharing.done():
        sharing.result()  # a reporter failed: show why
    assert halfway.done(), f"only {len(progress.references)} concerns shared in time"
    assert first_leader.process is not None
    first_leader.process.kill()  # SIGKILL: no clean shutdown, claims and leadership left behind
    await first_leader.process.wait()
    in_flight = await claimed_now(cluster.database)
    killed_at = time.monotonic() - started
    print(
        f"\nkilled {first_leader.name} at {killed_at:.1f}s, {len(in_flight)} message(s) in flight"
    )
    references = await asyncio.wait_for(sharing, WITHIN)
    shared_at = time.monotonic() - started
    print(f"all {len(references)} concerns shared at {shared_at:.1f}s")

    new_leader = await eventually_leader(cluster)
    await asyncio.wait_for(
        asyncio.gather(
            *(acknowledge(cluster, u, r) for u, r in zip(users, references, strict=True))
        ),
        WITHIN,
    )
    elapsed = time.monotonic() - started

    async def settled() -> bool:
        states = await outbox_states(cluster.database)
        return states["pending"] == 0

    deadline = time.monotonic() + 90
    while not await settled():
        assert time.monotonic() < deadline, await outbox_states(cluster.database)
        await asyncio.sleep(0.2)
    states = await outbox_states(cluster.database)
    stranded = await sent_after_lease(cluster.database, in_flight)
    telegram_sent = sum(len(m) for m in telegram.chats.values())
    slack_sent = len(slack.called("chat.postMessage")) + len(slack.called("chat.update"))
    repeated = telegram_duplicates(telegram) + slack_duplicates(slack)
    print(
        f"{len(references)} concerns through {INSTANCES} instances "
        f"(killed {first_leader.name} at {killed_at:.1f}s holding {stranded} message(s); "
        f"all shared at {shared_at:.1f}s, acknowledged at {elapsed:.1f}s)\n"
        f"Telegram: {telegram_sent} messages to {len(telegram.chats)} chats, "
        f"{len(telegram.deleted)} deletions, {telegram.retried} webhook posts retried\n"
        f"Slack: {slack_sent} posts and updates in the alert channel\n"
        f"outbox: {dict(states)}; duplicates: {repeated} (at most {stranded} allowed)\n"
        f"{await averages(cluster)}"
    )

    assert len(set(references)) == CONCERNS
    alerts = {
        r
        for p in slack.called("chat.postMessage")
        if p.get("channel") == FEED and not p.get("thread_ts")
        for r in ANY_REFERENCE.findall(str(p.get("text")))
    }
    assert alerts == set(references)
    updated = {
        r for p in slack.called("chat.update") for r in ANY_REFERENCE.findall(str(p.get("text")))
    }
    assert updated == set(references)
    threaded = [p for p in slack.called("chat.postMessage") if p.get("thread_ts")]
    assert len(threaded) >= CONCERNS  # a line under each alert: acknowledged by whom
    for user, reference in zip(users, references, strict=True):
        texts = [str(m.get("text")) for m in telegram.chats[user]]
        assert sum(reference in t and t.startswith("Thank you") for t in texts) >= 1
        assert sum(t.startswith(f"Update on your concern {reference}") for t in texts) >= 1
    assert states == Counter({"sent": sum(states.values())})
    assert repeated <= stranded
    assert new_leader is not first_leader
    survivors = cluster.alive
    for instance in survivors:
        report = await instance.healthz(cluster.session)
        assert report is not None
        assert (report["outbox_backlog"], report["dead_letters"]) == (0, 0)
    for instance in survivors:
        assert instance.process is not None
        instance.process.send_signal(signal.SIGTERM)
    for instance in survivors:
        assert instance.process is not None
        assert await asyncio.wait_for(instance.process.wait(), 30) == 0
