"""The trend tables a municipality and its networks see, suppressed together: month totals per
view first (each network, and all of them together), then each breakdown month by month, so
that no figure below k is published nor follows from any others. Standard library only."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

from bot.domain.audit import Audit, Figure, MustHide, Row
from bot.domain.span import Vector, span_of, vector

ALL = "*"
"""The view of every network together."""


@dataclass(frozen=True)
class TrendCounts:
    """Counts of concerns per network and month, and per breakdown (a category per concern)."""

    networks: tuple[str, ...]
    months: int
    totals: Mapping[tuple[str, int], int]
    """Concerns per (network, month index)."""
    categories: Mapping[str, Mapping[str, tuple[str, ...]]]
    """Per breakdown, per network, its categories (every concern falls in exactly one)."""
    cells: Mapping[tuple[str, str, int, str], int]
    """Concerns per (breakdown, network, month, category)."""
    k: int


Published = dict[Hashable, int | None]
"""Each figure's value, or None where it is hidden. Keys: ``("month", view, m)``,
``("year", view)`` and ``("cell", breakdown, view, m, category)``."""


def views(networks: Sequence[str]) -> tuple[str, ...]:
    """Every network, and all together when there are several."""
    return tuple(networks) if len(networks) < 2 else (ALL, *networks)


def members(view: str, networks: Sequence[str]) -> tuple[str, ...]:
    """The networks in a view."""
    return tuple(networks) if view == ALL else (view,)


def _base(data: TrendCounts) -> tuple[list[Figure], list[Row]]:
    figures: list[Figure] = []
    rows: list[Row] = []
    for v in views(data.networks):
        nets = members(v, data.networks)
        for m in range(data.months):
            support = frozenset((n, m) for n in nets)
            value = sum(data.totals.get(a, 0) for a in support)
            figures.append(Figure(("month", v, m), support, value))
        year = frozenset((n, m) for n in nets for m in range(data.months))
        figures.append(Figure(("year", v), year, sum(data.totals.get(a, 0) for a in year)))
        rows.append(Row(("year", v), tuple(("month", v, m) for m in range(data.months))))
    if len(data.networks) > 1:
        rows.append(Row(("year", ALL), tuple(("year", n) for n in data.networks)))
        for m in range(data.months):
            rows.append(Row(("month", ALL, m), tuple(("month", n, m) for n in data.networks)))
    return figures, rows


def _breakdown(
    data: TrendCounts, name: str, m: int
) -> tuple[list[Figure], list[Row], dict[Hashable, Hashable]]:
    """One breakdown's cells in month ``m``, with each view's month total; a cell that is the
    same sum in two views (an organisation is in one network) is an alias of the first."""
    cats = data.categories[name]
    figures: list[Figure] = []
    rows: list[Row] = []
    seen: dict[frozenset[Hashable], Hashable] = {}
    alias: dict[Hashable, Hashable] = {}

    def value(support: frozenset[Hashable]) -> int:
        return sum(data.cells.get(a, 0) for a in support)  # type: ignore[call-overload]

    for v in views(data.networks):
        nets = members(v, data.networks)
        total = frozenset((name, n, m, c) for n in nets for c in cats.get(n, ()))
        figures.append(Figure(("month", v, m), total, value(total)))
        parts = []
        for c in dict.fromkeys(c for n in nets for c in cats.get(n, ())):
            key = ("cell", name, v, m, c)
            support = frozenset((name, n, m, c) for n in nets if c in cats.get(n, ()))
            if support in seen:
                alias[key] = seen[support]
            else:
                seen[support] = key
                figures.append(Figure(key, support, value(support)))
            parts.append(alias.get(key, key))
        rows.append(Row(("month", v, m), tuple(parts)))
    if len(data.networks) > 1:
        for c in dict.fromkeys(c for n in data.networks for c in cats.get(n, ())):
            whole = ("cell", name, ALL, m, c)
            split = tuple(
                alias.get(key, key)
                for n in data.networks
                if c in cats.get(n, ())
                for key in [("cell", name, n, m, c)]
            )
            if whole not in alias and len(split) > 1:
                rows.append(Row(whole, split))
    return figures, rows, alias


def _lift(base: Vector, name: str, data: TrendCounts) -> Vector:
    """A sum over (network, month) as a sum over a breakdown's cells."""
    cats = data.categories[name]
    lifted: Vector = {}
    for cell, coefficient in base.items():
        n, m = cast(tuple[str, int], cell)
        for c in cats.get(n, ()):
            lifted[(name, n, m, c)] = coefficient
    return lifted


def publish(data: TrendCounts) -> Published:
    """Every figure of the trend tables, hidden (None) where it is below k or would let one
    below k be worked out; the month totals hidden for a breakdown's sake are hidden in all."""
    hide: set[Hashable] = set()
    while True:
        try:
            return _publish(data, hide)
        except MustHide as needed:
            hide.add(needed.key)


def _publish(data: TrendCounts, hide: set[Hashable]) -> Published:
    figures, rows = _base(data)
    fixed = {key: False for key in hide}
    shown = Audit(figures, data.k, rows, fixed=fixed).run()
    result: Published = {f.key: f.value if shown[f.key] else None for f in figures}
    base_shown = [vector(f.support) for f in figures if shown[f.key]]
    every = [(n, m) for n in data.networks for m in range(data.months)]
    for m in range(data.months):
        month = [(n, m) for n in data.networks]
        order = [a for a in every if a[1] != m] + month
        known_base = span_of(base_shown, order).within(month)
        for name in data.categories:
            table, table_rows, alias = _breakdown(data, name, m)
            decided = {f.key: shown[f.key] for f in table if f.key[0] == "month"}  # type: ignore[index]
            audit = Audit(
                table,
                data.k,
                table_rows,
                known=[_lift(v, name, data) for v in known_base],
                fixed=decided,
                keep_within=[_lift({a: _one()}, name, data) for a in month],
            )
            cells = audit.run()
            for f in table:
                if f.key[0] == "cell":  # type: ignore[index]
                    result[f.key] = f.value if cells[f.key] else None
            for key, first in alias.items():
                result[key] = result[first]
    return result


def _one() -> Fraction:
    return Fraction(1)
