"""``concernbot run`` with each instance keeping its own overall send rate, as before the
budget was shared (issue 13): what ``bench.fanout --local-budget`` compares against."""

from __future__ import annotations

import sys

import adapters.shared_budget
from bot.app.cli import main


def no_shared_budget(*_: object) -> None:
    """No shared budget: every instance its own sliding window."""
    return None


if __name__ == "__main__":
    adapters.shared_budget.budgeted = no_shared_budget  # type: ignore[assignment]
    raise SystemExit(main(sys.argv[1:]))
