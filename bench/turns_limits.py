"""The turns benchmark with the production send limits: what one instance does, and what caps it.

``bench.turns`` lifts the bot's send limits to measure what its code costs. Here they are the
example configuration's (Telegram's documented 30 messages a second overall and about one a
second per chat; Slack's per-channel rate for alerts), and the fake Bot API answers 429 to a
``sendMessage`` past 30 within any second, as Telegram does, so a limiter that let too many
through would show. The run prints the turns per second, the messages sent per turn and per
second, the 429s, and each limit's cap in turns per second, the lowest named: it is what caps
the instance, not our code.

    python -m bench.turns_limits [--reporters N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import tomllib
from pathlib import Path

from adapters.telegram.settings import TelegramSettings, read_settings
from bench.common import EXAMPLE_CONFIG, save, show
from bench.turns import QUIET, Result, run_concernbot
from bot.testing import SHARE_SCRIPT

REPORTERS = 60
"""Enough reporters that the overall limit, not one chat's, is reached first."""
TELEGRAM_PER_SECOND = 30
"""Where the fake answers 429: Telegram's documented limit on messages, overall."""


def production_limits() -> TelegramSettings:
    """The ``[telegram]`` send limits of the example configuration (what production runs)."""
    table = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    return read_settings(table.get("telegram", {}), {})


def caps(result: Result, reporters: int, telegram: TelegramSettings) -> dict[str, float]:
    """Each limit's cap in turns per second over the run, given the messages a turn sends (a
    chat's burst is spent once: over a run of ``s`` seconds a chat sends ``burst + rate × s``)."""
    per_turn = result.extra["sends_per_turn"]
    per_chat = telegram.per_chat_per_second + telegram.per_chat_burst / result.seconds
    return {
        "cap_overall_turns_per_s": telegram.overall_per_second / per_turn,
        "cap_per_chat_turns_per_s": reporters * per_chat / per_turn,
    }


async def main_async(reporters: int) -> int:
    """Run concernbot with the production limits; print its figures and what caps it."""
    telegram = production_limits()
    with tempfile.TemporaryDirectory(prefix="concernbot-bench-") as tmp:
        result = await run_concernbot(
            Path(tmp),
            reporters,
            SHARE_SCRIPT,
            limits={},
            fake_per_second=TELEGRAM_PER_SECOND,
            # A chat's messages come about a second apart: a turn's answer is not complete
            # until none came for longer than that.
            quiet=QUIET + 1 / telegram.per_chat_per_second,
        )
    limits = {
        "telegram_overall_per_second": telegram.overall_per_second,
        "telegram_per_chat_per_second": telegram.per_chat_per_second,
        "telegram_per_chat_burst": telegram.per_chat_burst,
    }
    found = caps(result, reporters, telegram)
    lowest = min(found, key=found.__getitem__)
    verdict = {
        "capped_by": lowest.removeprefix("cap_").removesuffix("_turns_per_s"),
        "turns_per_s_of_the_cap": result.turns_per_second / found[lowest],
    }
    title = f"concernbot, production send limits: {reporters} reporters × {len(SHARE_SCRIPT)} turns"
    show(title, limits | result.figures() | found | verdict)
    save("turns_limits", {"reporters": reporters, "figures": result.figures() | found | verdict})
    return 0 if result.extra["answered_429"] == 0 else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.turns_limits [--reporters N]``; fails when the fake answered a 429."""
    parser = argparse.ArgumentParser(prog="python -m bench.turns_limits", description=__doc__)
    parser.add_argument("--reporters", type=int, default=REPORTERS)
    parser.add_argument("--quick", action="store_true", help="10 reporters")
    args = parser.parse_args(argv)
    return asyncio.run(main_async(10 if args.quick else args.reporters))


if __name__ == "__main__":
    raise SystemExit(main())
