"""Exact linear algebra over published sums: which sums follow from the ones published.

A published figure is a sum of counts over a set of cells (its *support*); an attacker who reads
figures can add and subtract them, so what they know is the linear span of the figures' supports.
Fractions keep the elimination exact. Standard library only."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from fractions import Fraction

Vector = dict[Hashable, Fraction]


def vector(support: Iterable[Hashable]) -> Vector:
    """The indicator vector of a support: 1 on each cell."""
    return {cell: Fraction(1) for cell in support}


class Span:
    """The span of some vectors, in reduced echelon form; pivots follow ``order`` (cells not in
    ``order`` come before all that are), so that vectors with their pivot late lie wholly in the
    late cells."""

    def __init__(self, order: Sequence[Hashable] = ()) -> None:
        self._rank = {cell: i for i, cell in enumerate(order)}
        self._rows: dict[Hashable, Vector] = {}

    def _key(self, cell: Hashable) -> tuple[int, str]:
        return (self._rank.get(cell, -1), repr(cell))

    def reduce(self, v: Vector) -> Vector:
        """``v`` minus its part in the span (empty when ``v`` lies in it)."""
        rest = dict(v)
        for pivot, row in self._rows.items():
            factor = rest.get(pivot)
            if factor:
                for cell, value in row.items():
                    new = rest.get(cell, Fraction(0)) - factor * value
                    if new:
                        rest[cell] = new
                    else:
                        rest.pop(cell, None)
        return rest

    def add(self, v: Vector) -> bool:
        """Take ``v`` into the span; False when it was in it already."""
        rest = self.reduce(v)
        if not rest:
            return False
        pivot = min(rest, key=self._key)
        scale = rest[pivot]
        row = {cell: value / scale for cell, value in rest.items()}
        for other in self._rows.values():
            factor = other.get(pivot)
            if factor:
                for cell, value in row.items():
                    new = other.get(cell, Fraction(0)) - factor * value
                    if new:
                        other[cell] = new
                    else:
                        other.pop(cell, None)
        self._rows[pivot] = row
        return True

    def contains(self, v: Vector) -> bool:
        """True when ``v`` follows from the vectors taken in."""
        return not self.reduce(v)

    @property
    def rank(self) -> int:
        """The dimension of the span."""
        return len(self._rows)

    def basis(self) -> list[Vector]:
        """A basis of the span."""
        return [dict(row) for row in self._rows.values()]

    def within(self, cells: Iterable[Hashable]) -> list[Vector]:
        """A basis of the span's part that lies wholly in ``cells`` (which must be the last
        cells of ``order``)."""
        inside = set(cells)
        return [dict(row) for row in self._rows.values() if set(row) <= inside]


def span_of(vectors: Iterable[Vector], order: Sequence[Hashable] = ()) -> Span:
    """The span of ``vectors``."""
    span = Span(order)
    for v in vectors:
        span.add(v)
    return span
