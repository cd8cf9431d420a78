"""Issue 14, point 1: one user floods the bot while others take ordinary turns.

``concernbot run`` (polling, SQLite) serves the fake Bot API with Telegram's own per-chat
send limit (1 a second, a burst of 3). A few users send ``/help`` about once a second each,
first alone (the baseline), then while one user sends 200 messages in 10 s. Printed: the
others' reply latency p50/p95 in both phases, and what the flooder got back."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    BotProcess,
    bot_environment,
    free_port,
    percentile,
    save,
    seed_members,
)
from bench.platforms import TimedTelegram
from bench.turns import calibrate

FIRST_USER = 6_000_000
FLOODER = FIRST_USER
WARNING = "You are sending messages faster than I can handle."
REPLY_WITHIN = 30.0
BURST = 10
"""The [limits] burst of the run: the flooder's replies all go out at 1 a second, and a run
with the default 40 would spend most of its time waiting on them."""


@dataclass
class Flood:
    """The figures of one run."""

    baseline: list[float] = field(default_factory=list)
    flooded: list[float] = field(default_factory=list)
    flood_sent: int = 0
    flooder_replies: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        """Warnings the flooder got that they were throttled."""
        return sum(WARNING in m.get("text", "") for _, m in self.flooder_replies)

    @property
    def sustained_rate(self) -> float:
        """The flooder's replies a second after the per-chat burst of 3 (Telegram: 1)."""
        times = sorted(t for t, _ in self.flooder_replies)
        if len(times) <= 3 or times[-1] == times[0]:
            return 0.0
        return (len(times) - 3) / (times[-1] - times[0])

    def figures(self) -> dict[str, float]:
        """The printable figures."""
        return {
            "baseline_turns": float(len(self.baseline)),
            "baseline_p50_ms": percentile(self.baseline, 50) * 1000,
            "baseline_p95_ms": percentile(self.baseline, 95) * 1000,
            "flooded_turns": float(len(self.flooded)),
            "flooded_p50_ms": percentile(self.flooded, 50) * 1000,
            "flooded_p95_ms": percentile(self.flooded, 95) * 1000,
            "flood_sent": float(self.flood_sent),
            "flooder_replies": float(len(self.flooder_replies)),
            "flooder_warnings": float(self.warnings),
            "flooder_replies_per_s": self.sustained_rate,
        }


async def ordinary(fake: TimedTelegram, user: int, count: int, until: float) -> list[float]:
    """One user's ``/help`` turns, one about every 1.1 s until ``until``: their latencies."""
    inbox = fake.inboxes[user]
    latencies = []
    while time.perf_counter() < until:
        began = time.perf_counter()
        update = fake.message(user, "/help")
        await fake.push(update)
        replies = [await asyncio.wait_for(inbox.get(), REPLY_WITHIN) for _ in range(count)]
        latencies.append(replies[-1][0] - fake.served[int(update["update_id"])])
        await asyncio.sleep(max(1.1 - (time.perf_counter() - began), 0.0))
    return latencies


async def flood(fake: TimedTelegram, messages: int, seconds: float) -> int:
    """The flooder: ``messages`` short texts evenly over ``seconds``."""
    began = time.perf_counter()
    for index in range(messages):
        await fake.push(fake.message(FLOODER, f"message {index}"))
        await asyncio.sleep(max(began + (index + 1) * seconds / messages - time.perf_counter(), 0))
    return messages


async def run(work: Path, users: int, messages: int, seconds: float, baseline: float) -> Flood:
    """Start the bot, measure a quiet phase, then a flooded one; stop the bot."""
    fake = TimedTelegram()
    await fake.start()
    database = f"sqlite:///{work / 'concernbot.db'}"
    others = range(FIRST_USER + 1, FIRST_USER + 1 + users)
    await seed_members(database, [FIRST_USER - 1, FLOODER, *others])
    port = free_port()
    env = bot_environment(
        database,
        port,
        telegram_url=fake.api_url,
        scheduler_enabled="false",
        limits_messages_burst=str(BURST),
    )
    bot = BotProcess(env, port, log=work / "concernbot.log")
    result = Flood()
    try:
        await bot.start()
        await fake.polling()
        (count,) = await calibrate(fake, FIRST_USER - 1, ["/help"])
        until = time.perf_counter() + baseline
        quiet = await asyncio.gather(*(ordinary(fake, u, count, until) for u in others))
        result.baseline = [x for xs in quiet for x in xs]
        until = time.perf_counter() + seconds
        flooding = asyncio.create_task(flood(fake, messages, seconds))
        loud = await asyncio.gather(*(ordinary(fake, u, count, until) for u in others))
        result.flooded = [x for xs in loud for x in xs]
        result.flood_sent = await flooding
    finally:
        await bot.stop()
        await fake.stop()
    inbox = fake.inboxes[FLOODER]
    while not inbox.empty():
        result.flooder_replies.append(inbox.get_nowait())
    return result


async def main_async(users: int, messages: int, seconds: float, baseline: float) -> Flood:
    """Run once in a scratch directory and print the figures."""
    with tempfile.TemporaryDirectory(prefix="concernbot-flood-") as tmp:
        result = await run(Path(tmp), users, messages, seconds, baseline)
    figures = result.figures()
    print(f"flood: {users} users take turns while one sends {messages} in {seconds:g} s")
    for name, value in figures.items():
        print(f"  {name:<22} {value:10.3f}")
    save("flood", figures)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.flood [--users N] [--messages N] [--seconds S]``"""
    parser = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--baseline", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="a 3 s baseline")
    args = parser.parse_args(argv)
    if args.quick:
        args.baseline = 3.0
    asyncio.run(main_async(args.users, args.messages, args.seconds, args.baseline))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
