"""Lengths in UTF-16 code units, the way Telegram and Slack count them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.conversation.text_units import utf16_cut, utf16_len

EMOJI = "\U0001f600"  # outside the Basic Multilingual Plane: a surrogate pair in UTF-16


def test_a_character_outside_the_basic_plane_counts_two_units() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("é€") == 2
    assert utf16_len(EMOJI) == 2
    assert utf16_len(f"a{EMOJI}b") == 4


def test_a_cut_keeps_the_longest_prefix_within_the_limit() -> None:
    assert utf16_cut("abcdef", 4) == "abcd"
    assert utf16_cut("abc", 10) == "abc"
    assert utf16_cut("abc", 0) == ""


def test_a_cut_never_splits_a_surrogate_pair() -> None:
    assert utf16_cut(f"ab{EMOJI}", 3) == "ab"
    assert utf16_cut(f"ab{EMOJI}", 4) == f"ab{EMOJI}"
    assert utf16_cut(EMOJI * 3, 5) == EMOJI * 2


@given(st.text(), st.integers(min_value=0, max_value=50))
def test_a_cut_agrees_with_python_s_own_utf_16_encoder(text: str, limit: int) -> None:
    cut = utf16_cut(text, limit)
    assert text.startswith(cut)
    assert utf16_len(cut) <= limit
    assert utf16_len(text) == len(text.encode("utf-16-le", "surrogatepass")) // 2
    longest = _longest_prefix(text, limit)
    # Shorter than the longest prefix only to keep a grapheme whole (and never empty then).
    assert cut == longest or 0 < len(cut) < len(longest)


def _longest_prefix(text: str, limit: int) -> str:
    """The reference: the longest prefix within ``limit``, by Python's own UTF-16 encoder."""
    for end in range(len(text), -1, -1):
        if len(text[:end].encode("utf-16-le", "surrogatepass")) // 2 <= limit:
            return text[:end]
    return ""
