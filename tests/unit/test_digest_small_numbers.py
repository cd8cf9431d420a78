"""The trend digest with small numbers (issue 16): what changed first, the small cells in one
line, and no count below k that a reader could work out, from one row or by subtraction."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.domain.model import Network, Organisation
from bot.domain.suppression import suppress
from bot.domain.vocabulary import SETTINGS, SUBJECTS
from bot.i18n import translator
from bot.scheduling.jobs.digest import WEEK, DigestData, breakdown, network_part

K = 5
NETWORK = Network("demo", "Demostad", (Organisation("school", "School"),), digest_threshold=K)
END = datetime(2026, 11, 30, 7, tzinfo=UTC)
KEYS = ("a", "b", "c", "d")
TABLE = {key: key.upper() for key in KEYS}


def published(counts: tuple[int, ...], k: int = K) -> list[str]:
    """What a reader sees of a row with these counts (its total is shown elsewhere too)."""
    values = dict(zip(KEYS, counts, strict=True))
    total = sum(counts)
    return [str(total if total >= k else None), *breakdown("T", TABLE, values, k, lambda s: s)]


def rows(size: int, total: int) -> Iterator[tuple[int, ...]]:
    """Every row of ``size`` cells that adds up to ``total``."""
    if size == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for tail in rows(size - 1, total - first):
            yield (first, *tail)


def determined(counts: tuple[int, ...]) -> set[int]:
    """The cells below K whose value every row publishing the same text shares (a reader who
    knows the rule, the total and the shown cells can work those out)."""
    seen = published(counts)
    totals = [sum(counts)] if sum(counts) >= K else list(range(K))
    alike = [
        other for total in totals for other in rows(len(KEYS), total) if published(other) == seen
    ]
    return {
        i
        for i, value in enumerate(counts)
        if value < K and all(other[i] == value for other in alike)
    }


@pytest.mark.parametrize(
    "counts",
    [
        (6, 6, 6, 2),  # one small cell: the total would give it away
        (9, 6, 1, 0),
        (5, 5, 4, 5),  # ties in the complementary choice
        (12, 0, 0, 0),
        (3, 1, 0, 0),  # a total below k
        (7, 3, 3, 0),
        (5, 0, 5, 0),  # hidden cells adding up to 0 would all be known to be 0
        (4, 4, 4, 5),  # hidden cells adding up to 3 x 4 would all be known to be 4
        (4, 4, 4, 4),
        (6, 6, 6, 0),
    ],
)
def test_no_cell_below_k_can_be_worked_out_from_the_published_row(
    counts: tuple[int, ...],
) -> None:
    assert determined(counts) == set()


def test_no_row_of_three_small_cells_leaks_a_cell_below_k_to_a_reader_who_knows_the_rule() -> None:
    top = 21
    keys = KEYS[:3]
    seen: dict[object, list[tuple[int, ...]]] = {}
    for counts in itertools.product(range(top + 1), repeat=3):
        row = suppress(dict(zip(keys, counts, strict=True)), keys, K)
        publication = (row.shown, row.total, row.rest if row.total is not None else None)
        seen.setdefault(publication, []).append(counts)
        assert all(value >= K for _, value in row.shown)
        assert row.total is None or row.hidden != 1
    for alike in seen.values():
        for counts in (c for c in alike if max(c) <= 7):
            for i, value in enumerate(counts):
                assert value >= K or any(other[i] != value for other in alike), counts


def test_a_single_small_cell_is_hidden_together_with_the_smallest_shown_one() -> None:
    row = suppress({"a": 9, "b": 6, "c": 7, "d": 1}, KEYS, K)
    assert row.shown == (("a", 9), ("c", 7))
    assert (row.hidden, row.rest, row.total) == (2, 7, 23)


def test_hidden_cells_that_would_all_be_k_minus_one_or_zero_take_a_shown_one_with_them() -> None:
    assert suppress({"a": 9, "b": 0, "c": 7, "d": 0}, KEYS, K).shown == (("a", 9),)
    assert suppress({"a": 9, "b": 4, "c": 7, "d": 4}, KEYS, K).shown == ()


def data(subjects: dict[str, int], settings: dict[str, int], before: int) -> DigestData:
    return DigestData(
        network=NETWORK,
        length=WEEK,
        end=END,
        subjects=subjects,
        settings=settings,
        previous_total=before,
        acknowledged=sum(subjects.values()),
        acknowledged_in_time=sum(subjects.values()) - 1,
        outcomes={},
        useful={},
        notes=[],
    )


@pytest.mark.parametrize(
    ("language", "lead", "others", "fewer"),
    [
        (
            "en",
            "9 concerns were shared, more than the period before (fewer than 5).",
            "• and fewer than 5 in other categories",
            "fewer than",
        ),
        (
            "nl",
            "Er zijn 9 zorgen gedeeld, meer dan in de periode daarvoor (minder dan 5).",
            "• en minder dan 5 in andere categorieën",
            "minder dan",
        ),
    ],
)
def test_a_digest_with_small_numbers_leads_with_what_changed_and_collapses_the_rest(
    language: str, lead: str, others: str, fewer: str
) -> None:
    text = network_part(
        data({"person": 6, "group": 2, "online": 1}, {"school": 6, "home": 3}, 2),
        translator(language),
    )
    assert text[2] == lead
    assert text.count(others) == 2
    assert sum(fewer in line for line in text) <= 4  # was one line per category: 13 and more
    assert len(text) <= 10
    assert not any(
        f"{fewer} 5 van {fewer} 5" in line or " of fewer than 5" in line for line in text
    )
    joined = "\n".join(text)
    for small in ("2", "1", "3"):
        assert f": {small}\n" not in joined + "\n"


@pytest.mark.parametrize(
    ("language", "lead", "too_few"),
    [
        ("en", "Fewer than 5 concerns were shared, as in the period before.", "too few"),
        ("nl", "Er zijn minder dan 5 zorgen gedeeld, net als in de periode daarvoor.", "te weinig"),
    ],
)
def test_a_quiet_week_is_said_in_two_sentences_not_twenty_five_lines(
    language: str, lead: str, too_few: str
) -> None:
    text = network_part(data({"person": 2, "group": 1}, {"school": 3}, 1), translator(language))
    assert text[2] == lead
    assert too_few in text[3]
    assert not any(line.startswith("•") for line in text)
    assert not any(translator(language)(SUBJECTS["person"]) in line for line in text)
    assert not any(translator(language)(SETTINGS["school"]) in line for line in text)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Fewer than 5 concerns were shared, against 8 the period before."),
        ("nl", "Er zijn minder dan 5 zorgen gedeeld, tegen 8 in de periode daarvoor."),
    ],
)
def test_fewer_than_k_now_against_a_shown_count_before(language: str, expected: str) -> None:
    text = network_part(data({"person": 3}, {"school": 3}, 8), translator(language))
    assert text[2] == expected


@pytest.mark.parametrize(
    ("language", "now", "expected"),
    [
        ("en", 6, "6 concerns were shared, fewer than the period before (8)."),
        ("en", 8, "8 concerns were shared, as many as the period before."),
        ("nl", 6, "Er zijn 6 zorgen gedeeld, minder dan in de periode daarvoor (8)."),
        ("nl", 9, "Er zijn 9 zorgen gedeeld, meer dan in de periode daarvoor (8)."),
    ],
)
def test_the_lead_compares_two_shown_counts(language: str, now: int, expected: str) -> None:
    text = network_part(data({"person": now}, {"school": now}, 8), translator(language))
    assert text[2] == expected
