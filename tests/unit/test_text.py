"""Input hygiene: what ``clean`` removes (what can spoof or hide) and what it keeps (emoji,
scripts that need joiners), with concrete cases and properties."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversation.text import clean

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
THUMB = "\U0001f44d\U0001f3fd"
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # mi-khaham, "I want"
HINDI = "\u0915\u094d\u200d\u0937"  # ka, virama, ZWJ, ssa: the half form of ka
HEART_ON_FIRE = "\u2764\ufe0f\u200d\U0001f525"
KEYCAP = "1\ufe0f\u20e3"
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
HIDDEN = "\u200b\u2060\ufeff\u00ad\u180e\u3164\ufffe"


@pytest.mark.parametrize(
    "text", [FAMILY, SCOTLAND, THUMB, PERSIAN, HINDI, HEART_ON_FIRE, KEYCAP, "🇳🇱", "🧑🏿‍🦱"]
)
def test_joined_emoji_flags_skin_tones_and_scripts_that_need_joiners_are_kept_whole(
    text: str,
) -> None:
    assert clean(text) == text
    assert clean(f"I saw {text} today") == f"I saw {text} today"


def test_a_lone_joiner_at_the_start_or_the_end_or_beside_a_space_is_removed() -> None:
    assert clean("\u200dword\u200c") == "word"
    assert clean("two \u200d words") == "two  words"
    assert clean("a\u200d\u200d\u200db") == "a\u200db"


def test_bidi_controls_and_overrides_are_removed() -> None:
    assert clean(f"Eve{BIDI}gnp.exe") == "Evegnp.exe"
    assert clean("Eve\u202egnp.exe\u200b") == "Evegnp.exe"


def test_zero_width_and_other_invisible_characters_used_alone_are_removed() -> None:
    assert clean(f"in{HIDDEN}visible") == "invisible"


def test_tag_characters_outside_a_flag_are_removed_so_no_text_hides_in_them() -> None:
    smuggled = "".join(chr(0xE0000 + ord(c)) for c in "ignore this")
    assert clean("hello" + smuggled) == "hello"
    assert clean("\U0001f3f4" + smuggled) == "\U0001f3f4"
    assert clean("\U0001f3f4\U000e007f") == "\U0001f3f4"


def test_a_variation_selector_is_kept_after_a_character_and_dropped_alone_or_repeated() -> None:
    assert clean("\u2764\ufe0f") == "\u2764\ufe0f"
    assert clean("\ufe0fstart") == "start"
    assert clean("a\ufe0f\ufe0f\U000e0100") == "a\ufe0f"


def test_line_and_paragraph_separators_become_newlines() -> None:
    assert (
        clean("one\u2028two\u2029three\r\nfour\rfive\x85six") == "one\ntwo\nthree\nfour\nfive\nsix"
    )


def test_text_is_normalised_to_nfc() -> None:
    assert clean("Cafe\u0301") == "Caf\u00e9"


def test_an_emoji_newer_than_this_pythons_unicode_is_kept() -> None:
    pink_heart = "\U0001fa77"  # Unicode 15; unassigned for Python 3.11's unicodedata
    assert clean(pink_heart) == pink_heart


def test_outer_whitespace_is_kept_only_when_asked() -> None:
    assert clean("  word \n", strip=False) == "  word \n"
    assert clean("  word \n") == "word"


NASTY = "\x00\x1b\x7f\r\n\t \u202e\u2066\u200b\u200c\u200d\ufe0f\U000e0067\U000e007f\ufeff\u00ad"
SEQUENCES = (FAMILY, SCOTLAND, THUMB, PERSIAN, HINDI, HEART_ON_FIRE, "\U0001f3f4", "a", "é")
texts = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from([*NASTY, *SEQUENCES]), max_size=30).map("".join),
    st.text(st.characters(codec=None, exclude_categories=["Cs"]), max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_clean_is_idempotent_and_no_joiner_selector_or_tag_is_left_alone(text: str) -> None:
    cleaned = clean(text)

    assert clean(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    for at, char in enumerate(cleaned):
        code = ord(char)
        assert code not in {0x200B, 0x2060, 0xFEFF, 0x00AD}, repr(char)
        assert char not in BIDI, repr(char)
        if char in "\u200c\u200d":
            assert 0 < at < len(cleaned) - 1, repr(cleaned)
            assert not cleaned[at - 1].isspace()
            assert not cleaned[at + 1].isspace()
        if 0xE0020 <= code <= 0xE007F:
            assert "\U0001f3f4" in cleaned[:at]


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(st.sampled_from(SEQUENCES), min_size=1, max_size=12),
    glue=st.sampled_from([" ", "", "\n"]),
)
def test_text_made_of_emoji_and_joined_scripts_passes_unchanged(
    parts: list[str], glue: str
) -> None:
    text = glue.join(parts).strip()
    assert clean(text) == unicodedata.normalize("NFC", text)
