"""What a trend chart shows (kept apart from the chart, so that building it needs no
matplotlib)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TrendSeries:
    """A title, the months (their first moment) and each month's count, None where it is
    hidden; ``k`` for the note under the chart."""

    title: str
    months: tuple[datetime, ...]
    counts: tuple[int | None, ...]
    k: int
