"""The trend tables of a municipality's networks (or one network): the twelve months, the counts
the database gives, suppressed together (bot.domain.trends) so that every view is safe beside
every other; medians only over k or more concerns."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from bot.domain.trends import Published, TrendCounts, members, publish, views
from bot.domain.vocabulary import SETTINGS, SUBJECTS
from bot.scheduling.jobs.digest import USEFUL
from bot.settings import Settings
from bot.storage.trends import TrendRows
from bot.storage.uow import UnitOfWork

MONTHS = 12
OTHER = "other"
UNKNOWN_AREA = "unknown"


@dataclass(frozen=True)
class TrendTables:
    """Every view's published figures over the same twelve months."""

    networks: tuple[str, ...]
    months: tuple[datetime, ...]
    """The local first moment of each month, oldest first."""
    categories: dict[str, dict[str, tuple[str, ...]]]
    published: Published
    to_acknowledge: dict[tuple[str, int], timedelta | None]
    """Per (view, month): the median wait for acknowledgement, None where too few."""
    to_close: dict[tuple[str, int], timedelta | None]
    useful: Published
    """The usefulness answers, keyed as ``published`` with the breakdown ``answer``."""
    k: int

    def cell(self, name: str, view: str, month: int, key: str) -> int | None:
        """A breakdown's count in a month, None where hidden."""
        return self.published.get(("cell", name, view, month, key))

    def month(self, view: str, month: int) -> int | None:
        """The view's concerns in a month, None where hidden."""
        return self.published.get(("month", view, month))

    def keys(self, name: str, view: str) -> tuple[str, ...]:
        """A breakdown's categories in a view, in configured order."""
        nets = members(view, self.networks)
        return tuple(dict.fromkeys(c for n in nets for c in self.categories[name].get(n, ())))


def month_starts(now: datetime, zone: str, months: int = MONTHS) -> tuple[datetime, ...]:
    """The first moment of each of the last ``months`` calendar months (this one last)."""
    local = now.astimezone(ZoneInfo(zone))
    year, month = local.year, local.month
    starts = []
    for _ in range(months):
        starts.append(datetime(year, month, 1, tzinfo=ZoneInfo(zone)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(starts))


def next_month(start: datetime) -> datetime:
    """The first moment of the month after ``start``'s."""
    year, month = (start.year, start.month + 1) if start.month < 12 else (start.year + 1, 1)
    return start.replace(year=year, month=month)


def family(settings: Settings, network_id: str) -> tuple[str, ...]:
    """The networks published together with this one: its municipality's, or it alone."""
    municipality = settings.municipality_of(network_id)
    return municipality.networks if municipality is not None else (network_id,)


def _categories(
    settings: Settings, networks: Sequence[str]
) -> dict[str, dict[str, tuple[str, ...]]]:
    found: dict[str, dict[str, tuple[str, ...]]] = {
        "organisation": {},
        "subject": {},
        "setting": {},
    }
    areas = any(settings.network(n).areas for n in networks)
    if areas:
        found["area"] = {}
    for n in networks:
        network = settings.network(n)
        found["organisation"][n] = (*(o.id for o in network.organisations), OTHER)
        found["subject"][n] = (*SUBJECTS, OTHER)
        found["setting"][n] = tuple(SETTINGS)
        if areas:
            found["area"][n] = (*network.areas, UNKNOWN_AREA)
    return found


def _counts(
    rows: TrendRows, networks: tuple[str, ...], cats: dict[str, dict[str, tuple[str, ...]]], k: int
) -> TrendCounts:
    cells: dict[tuple[str, str, int, str], int] = {}
    for (name, n, m, key), count in rows.cells.items():
        if name not in cats:
            continue
        known = cats[name][n]
        fallback = UNKNOWN_AREA if name == "area" else OTHER if OTHER in known else known[-1]
        place = (name, n, m, key if key in known else fallback)
        cells[place] = cells.get(place, 0) + count
    return TrendCounts(networks, MONTHS, dict(rows.totals), cats, cells, k)


def _medians(
    waits: dict[tuple[str, int], list[timedelta]], networks: tuple[str, ...], k: int
) -> dict[tuple[str, int], timedelta | None]:
    result: dict[tuple[str, int], timedelta | None] = {}
    for v in views(networks):
        for m in range(MONTHS):
            values = [
                w.total_seconds() for n in members(v, networks) for w in waits.get((n, m), [])
            ]
            result[(v, m)] = timedelta(seconds=median(values)) if len(values) >= k else None
    return result


def _useful(rows: TrendRows, networks: tuple[str, ...], k: int) -> Published:
    """The usefulness answers month by month, suppressed like the concerns (the answers are
    a table of their own: ``("cell", "answer", view, m, answer)``, month and year totals)."""
    totals: dict[tuple[str, int], int] = {}
    cells: dict[tuple[str, str, int, str], int] = {}
    for (n, m, answer), count in rows.useful.items():
        if answer in USEFUL:
            totals[(n, m)] = totals.get((n, m), 0) + count
            cells[("answer", n, m, answer)] = count
    answers = {"answer": {n: tuple(USEFUL) for n in networks}}
    return publish(TrendCounts(networks, MONTHS, totals, answers, cells, k))


async def trend_tables(
    uow: UnitOfWork, settings: Settings, networks: tuple[str, ...], now: datetime
) -> TrendTables:
    """The published trend tables of ``networks`` over the last twelve months; k is the
    strictest of their digest thresholds."""
    starts = month_starts(now, settings.bot.timezone)
    rows = await uow.trends.rows(networks, starts, next_month(starts[-1]))
    k = max(settings.network(n).digest_threshold for n in networks)
    cats = _categories(settings, networks)
    # Suppression takes up to a second for many networks: off the event loop, other chats go on.
    published = await asyncio.to_thread(publish, _counts(rows, networks, cats, k))
    useful = await asyncio.to_thread(_useful, rows, networks, k)
    return TrendTables(
        networks=networks,
        months=starts,
        categories=cats,
        published=published,
        to_acknowledge=_medians(rows.to_acknowledge, networks, k),
        to_close=_medians(rows.to_close, networks, k),
        useful=useful,
        k=k,
    )
