"""Small counts kept out of published aggregates: primary suppression of every cell below k,
and complementary suppression, so that no hidden cell can be worked out by subtraction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """A breakdown as it may be published: the cells shown (``key``, count), how many cells
    are hidden and their sum, and the row's total (None when it is itself below k)."""

    shown: tuple[tuple[str, int], ...]
    hidden: int
    rest: int
    total: int | None

    @property
    def broken_down(self) -> bool:
        """True when at least one cell is shown."""
        return bool(self.shown)


def suppress(counts: Mapping[str, int], keys: Sequence[str], k: int) -> Row:
    """The row of ``counts`` over ``keys`` with every cell below ``k`` hidden.

    When the total is shown, the hidden cells' sum is known by subtraction. So, as long as
    cells are hidden and that sum would pin them down (a single hidden cell, a sum of 0, or a
    sum so large that every hidden cell must be k - 1), the smallest shown cell is hidden too
    (the first in ``keys`` on a tie)."""
    total = sum(counts.get(key, 0) for key in keys)
    if k <= 1:  # no threshold: every count is shown
        return Row(tuple((key, counts.get(key, 0)) for key in keys), 0, 0, total)
    if total < k:
        return Row((), len(keys), total, None)
    shown = {key: counts.get(key, 0) for key in keys if counts.get(key, 0) >= k}

    def telling() -> bool:
        hidden, rest = len(keys) - len(shown), total - sum(shown.values())
        return hidden > 0 and (hidden < 2 or rest == 0 or rest >= hidden * (k - 1))

    while shown and telling():
        del shown[min(shown, key=lambda key: (shown[key], keys.index(key)))]
    cells = tuple((key, shown[key]) for key in keys if key in shown)
    rest = total - sum(shown.values())
    return Row(cells, len(keys) - len(cells), rest, total)
