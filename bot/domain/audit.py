"""Suppression of a set of figures that overlap: no figure below k is published, and none can be
worked out from those published, by adding and subtracting them, or from a row whose hidden
part is pinned down (its hidden cells sum to 0, or to as much as they can be below k).

Figures are sums of cells; those below k are hidden first (primary suppression), then
the smallest shown figure next to one that can be worked out is hidden too (complementary
suppression), until none can. Standard library only."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.span import Span, Vector, span_of, vector


class MustHide(Exception):
    """Only a figure decided elsewhere can be hidden to make this table safe: ``key``."""

    def __init__(self, key: Hashable) -> None:
        super().__init__(repr(key))
        self.key = key


@dataclass(frozen=True)
class Figure:
    """A figure one may publish: its key, the cells it sums, its value."""

    key: Hashable
    support: frozenset[Hashable]
    value: int


@dataclass(frozen=True)
class Row:
    """A figure and the figures that split it without overlap (a total and its cells)."""

    total: Hashable
    parts: tuple[Hashable, ...]


def row_pinned(
    row: Row, shown: Mapping[Hashable, int], values: Mapping[Hashable, int], k: int
) -> bool:
    """True when the row's total is shown and its hidden parts are pinned down by it."""
    if row.total not in shown:
        return False
    hidden = [p for p in row.parts if p not in shown]
    if not any(values[p] < k for p in hidden):
        return False  # only cells hidden to protect others: nothing below k to pin down
    rest = values[row.total] - sum(shown[p] for p in row.parts if p in shown)
    return len(hidden) < 2 or rest == 0 or rest >= len(hidden) * (k - 1)


@dataclass
class Audit:
    """The figures of one table, the known spans it is published next to, and the rows."""

    figures: Sequence[Figure]
    k: int
    rows: Sequence[Row] = ()
    known: Sequence[Vector] = ()
    """Sums an attacker knows already (from other tables), published with these figures."""
    fixed: Mapping[Hashable, bool] | None = None
    """Figures decided elsewhere (True: shown): they are not hidden or shown here."""
    keep_within: Sequence[Vector] = ()
    """A space the figures must not add knowledge to beyond ``known`` (a condition that lets
    tables that meet only in this space be published side by side)."""

    def run(self) -> dict[Hashable, bool]:
        """Whether each figure is shown."""
        fixed = dict(self.fixed or {})
        by_key = {f.key: f for f in self.figures}
        values = {f.key: f.value for f in self.figures}
        shown = {f.key: fixed.get(f.key, f.value >= self.k or self.k <= 1) for f in self.figures}
        while self.k > 1:
            problem = self._problem(by_key, shown, values)
            if problem is None:
                break
            candidates = [
                f
                for f in self.figures
                if shown[f.key] and f.key not in fixed and (not problem or f.support & problem)
            ] or [f for f in self.figures if shown[f.key] and f.key not in fixed]
            if not candidates:
                raise MustHide(
                    min(
                        (
                            f
                            for f in self.figures
                            if shown[f.key] and (not problem or f.support & problem)
                        ),
                        key=lambda f: (f.value, repr(f.key)),
                    ).key
                )
            smallest = min(candidates, key=lambda f: (f.value, repr(f.key)))
            shown[smallest.key] = False
        return shown

    def _problem(
        self,
        by_key: Mapping[Hashable, Figure],
        shown: Mapping[Hashable, bool],
        values: Mapping[Hashable, int],
    ) -> frozenset[Hashable] | None:
        """The support of a figure below k that can be worked out (empty: the kept space
        gained knowledge), or None when the publication is safe."""
        supports = [vector(by_key[key].support) for key in by_key if shown[key]]
        published = span_of([*self.known, *supports])
        for figure in self.figures:
            low = not shown[figure.key] and figure.value < self.k
            if low and published.contains(vector(figure.support)):
                return figure.support
        visible = {key: values[key] for key in by_key if shown[key]}
        for row in self.rows:
            if row_pinned(row, visible, values, self.k):
                hidden = (by_key[p].support for p in row.parts if p not in visible)
                return frozenset().union(*hidden)
        if self.keep_within and _gains(published, self.known, self.keep_within):
            return frozenset()
        return None


def _gains(published: Span, known: Sequence[Vector], space: Sequence[Vector]) -> bool:
    """True when the published span meets ``space`` in more than ``known`` (which lies in
    both): dim(P ∩ S) = rank P + rank S - rank(P + S)."""
    both = span_of([*space, *published.basis()])
    meet = published.rank + span_of(space).rank - both.rank
    return meet > span_of(known).rank
