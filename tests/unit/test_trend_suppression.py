"""/trends' suppression: for random concerns, no figure below k is published, and none hidden
below k follows from the published ones by adding and subtracting (a difference of two views,
a total minus its shown cells), checked with an elimination of its own over single concerns'
combinations of network, month and category."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.trends import ALL, TrendCounts, members, publish

CATS = {"subject": ("a", "b", "c"), "area": ("x", "y")}
ORGS = ("p", "q")
"""Each network's own organisations (``n1-p``, ``n1-q``): a breakdown nested in the network."""
Joint = tuple[str, int, str, str, str]
"""One concern's network, month, subject, area and organisation."""
WHERE = {"subject": 2, "area": 3, "organisation": 4}


def counts_of(concerns: list[Joint], networks: tuple[str, ...], months: int, k: int) -> TrendCounts:
    totals = Counter((n, m) for n, m, *_ in concerns)
    cells: Counter[tuple[str, str, int, str]] = Counter()
    for joint in concerns:
        for name, where in WHERE.items():
            cells[(name, joint[0], joint[1], str(joint[where]))] += 1
    categories = {name: {n: cats for n in networks} for name, cats in CATS.items()}
    categories["organisation"] = {n: tuple(f"{n}-{o}" for o in ORGS) for n in networks}
    return TrendCounts(networks, months, dict(totals), categories, dict(cells), k)


def support(key: tuple[Hashable, ...], networks: tuple[str, ...], months: int) -> set[Joint]:
    """The joint cells a figure sums."""
    joint = [
        (n, m, s, a, f"{n}-{o}")
        for n, m, s, a, o in itertools.product(
            networks, range(months), CATS["subject"], CATS["area"], ORGS
        )
    ]
    if key[0] == "year":
        return {j for j in joint if j[0] in members(str(key[1]), networks)}
    if key[0] == "month":
        return {j for j in joint if j[0] in members(str(key[1]), networks) and j[1] == key[2]}
    _, name, view, m, c = key
    where = WHERE[str(name)]
    return {
        j for j in joint if j[0] in members(str(view), networks) and j[1] == m and j[where] == c
    }


def in_span(rows: list[dict[object, Fraction]], target: dict[object, Fraction]) -> bool:
    basis: list[tuple[object, dict[object, Fraction]]] = []
    for row in rows:
        v = dict(row)
        for pivot, b in basis:
            if v.get(pivot):
                f = v[pivot]
                for cell, x in b.items():
                    v[cell] = v.get(cell, Fraction(0)) - f * x
                v = {c: x for c, x in v.items() if x}
        if v:
            pivot = next(iter(v))
            scale = v[pivot]
            basis.append((pivot, {c: x / scale for c, x in v.items()}))
    v = dict(target)
    for pivot, b in basis:
        if v.get(pivot):
            f = v[pivot]
            for cell, x in b.items():
                v[cell] = v.get(cell, Fraction(0)) - f * x
            v = {c: x for c, x in v.items() if x}
    return not v


concern = st.tuples(
    st.sampled_from(("n1", "n2", "n3")),
    st.integers(0, 2),
    st.sampled_from(CATS["subject"]),
    st.sampled_from(CATS["area"]),
    st.sampled_from(ORGS),
).map(lambda c: (*c[:4], f"{c[0]}-{c[4]}"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(concern, max_size=60),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(2, 5),
)
def test_no_published_combination_reveals_a_cell_below_k(
    concerns: list[Joint], n_networks: int, months: int, k: int
) -> None:
    networks = ("n1", "n2", "n3")[:n_networks]
    concerns = [c for c in concerns if c[0] in networks and c[1] < months]
    data = counts_of(concerns, networks, months, k)
    published = publish(data)
    true = Counter(concerns)
    shown: list[dict[object, Fraction]] = []
    hidden: list[tuple[object, int, dict[object, Fraction]]] = []
    for key, value in published.items():
        cells = support(key, networks, months)  # type: ignore[arg-type]
        real = sum(true[c] for c in cells)
        vec: dict[object, Fraction] = {c: Fraction(1) for c in cells}
        if value is None:
            hidden.append((key, real, vec))
        else:
            assert value == real
            assert value >= k, key
            shown.append(vec)
    for key, real, vec in hidden:
        if real < k:
            assert not in_span(shown, vec), key


def test_a_network_alone_and_with_others_hides_the_same_difference() -> None:
    """Two networks: n2 has 1 concern in a month; neither n2's month nor (all − n1) gives it."""
    concerns: list[Joint] = [("n1", 0, "a", "x", "n1-p")] * 6 + [("n2", 0, "b", "y", "n2-q")]
    published = publish(counts_of(concerns, ("n1", "n2"), 1, 5))
    assert published[("month", "n2", 0)] is None
    assert published[("month", ALL, 0)] is None or published[("month", "n1", 0)] is None
