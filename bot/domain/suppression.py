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

    When the total is shown, the hidden cells' sum is known by subtraction; so a single hidden
    cell would be known exactly. Then the smallest shown cell is hidden with it (the first in
    ``keys`` on a tie), and the row never shows exactly one hidden cell."""
    total = sum(counts.get(key, 0) for key in keys)
    if total < k:
        return Row((), len(keys), total, None)
    shown = {key: counts.get(key, 0) for key in keys if counts.get(key, 0) >= k}
    if len(keys) - len(shown) == 1 and shown:
        smallest = min(shown, key=lambda key: (shown[key], keys.index(key)))
        del shown[smallest]
    cells = tuple((key, shown[key]) for key in keys if key in shown)
    rest = total - sum(shown.values())
    return Row(cells, len(keys) - len(cells), rest, total)
