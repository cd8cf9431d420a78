"""Reference codes: short, random, readable aloud, typed back in any reasonable way."""

from __future__ import annotations

import re

import pytest

from bot.domain.reference import _ALPHABET, new_reference, normalise_reference

SHAPE = re.compile(r"^[A-Z2-9]{3}-[A-Z2-9]{3}$")


def test_a_reference_is_three_characters_a_dash_and_three_characters() -> None:
    for _ in range(200):
        assert SHAPE.match(new_reference())


def test_a_reference_uses_only_the_readable_alphabet() -> None:
    for _ in range(200):
        assert set(new_reference().replace("-", "")) <= set(_ALPHABET)


@pytest.mark.parametrize("confusable", ["0", "O", "1", "I", "L"])
def test_the_alphabet_has_no_characters_that_are_easily_confused(confusable: str) -> None:
    assert confusable not in _ALPHABET


def test_the_alphabet_has_no_lower_case_or_duplicate_characters() -> None:
    assert _ALPHABET.upper() == _ALPHABET
    assert len(set(_ALPHABET)) == len(_ALPHABET)


def test_references_are_random_rather_than_counting() -> None:
    seen = {new_reference() for _ in range(500)}
    assert len(seen) > 490


@pytest.mark.parametrize(
    "typed", ["K7Q-M3X", "k7q-m3x", "k7qm3x", "K7Q M3X", " K7Q-M3X ", "k7q.m3x", "K7Q–M3X"]
)
def test_a_typed_reference_is_normalised(typed: str) -> None:
    assert normalise_reference(typed) == "K7Q-M3X"


@pytest.mark.parametrize(("typed", "expected"), [("abc", "ABC"), (" k7q-m3xy ", "K7Q-M3XY")])
def test_something_that_is_not_six_characters_is_only_trimmed_and_upper_cased(
    typed: str, expected: str
) -> None:
    assert normalise_reference(typed) == expected


def test_a_new_reference_is_already_normal() -> None:
    reference = new_reference()
    assert normalise_reference(reference) == reference
