"""What a slow disk costs concernbot's turns on SQLite, with group commit and without.

concernbot serves the same load four times in this one run: on this machine's disk and with
every sync made ``--delay-ms`` slower (bench/slow_sync.py), each with ``[database]
group_commit`` on and off. Printed: turns/s of each, and "slow ÷ fast" for each setting
(issue 19's target: ≥ 0.8 with 2 ms syncs)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench.common import save, show
from bench.slow_sync import slow_sync_env
from bench.turns import Result, run_concernbot
from bot.testing import SHARE_SCRIPT

TARGET = 0.8


async def main_async(reporters: int, delay_ms: float) -> dict[str, float]:
    """Run the four variants; their throughputs and the ratios."""
    runs: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="concernbot-sync-") as tmp:
        for group in ("true", "false"):
            for disk, extra in (("fast", {}), ("slow", slow_sync_env(delay_ms))):
                name = f"group_commit={group}, {disk} disk"
                work = Path(tmp) / f"{group}-{disk}"
                work.mkdir()
                settings = {"CONCERNBOT_DATABASE_GROUP_COMMIT": group, **extra}
                runs[name] = await run_concernbot(work, reporters, SHARE_SCRIPT, settings)
                show(f"{name}: {reporters} reporters", runs[name].figures())
    figures = {f"turns_per_s[{name}]": r.turns_per_second for name, r in runs.items()}
    for group in ("true", "false"):
        slow = runs[f"group_commit={group}, slow disk"].turns_per_second
        fast = runs[f"group_commit={group}, fast disk"].turns_per_second
        figures[f"slow_vs_fast[group_commit={group}]"] = slow / fast
    show(f"{delay_ms:g} ms per sync ÷ none (target ≥ {TARGET:g} with group commit)", figures)
    save("sync_cost", {"reporters": reporters, "delay_ms": delay_ms, "figures": figures})
    return figures


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.sync_cost [--quick] [--reporters N] [--delay-ms MS]``"""
    parser = argparse.ArgumentParser(prog="python -m bench.sync_cost", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 reporters instead of 300")
    parser.add_argument("--reporters", type=int, default=None)
    parser.add_argument("--delay-ms", type=float, default=2.0)
    args = parser.parse_args(argv)
    reporters = args.reporters or (100 if args.quick else 300)
    asyncio.run(main_async(reporters, args.delay_ms))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
