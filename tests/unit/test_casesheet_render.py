"""The case sheet's renderers: a real PDF (one page or more, any Unicode text the reporter
typed), and the chat text, in the coordinator's language and with the chosen sections only."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest

from bot.domain.timeline import EntryKind, TimelineEntry
from bot.i18n import translator
from bot.rendering.casesheet import CaseSheet, sheet_text
from bot.rendering.casesheet_pdf import render_pdf

EVERYTHING = frozenset({"account", "timeline", "agreed"})
SHEET = CaseSheet(
    reference="K7Q-M3X",
    network="Veiligheidsnetwerk Noord",
    made_on="3 december 2026",
    made_by="Fatima el Amrani",
    sections=EVERYTHING,
    legal_basis="AVG art. 6 lid 1 sub e",
    informed="Ja",
    account=(
        ("Wat is waargenomen", "Een leerling prees een aanslag — ‘twee keer’, café, Şükrü 🙂"),
    ),
    timeline=(
        TimelineEntry(
            datetime(2026, 11, 24, 9, tzinfo=UTC),
            EntryKind.QUESTION,
            "Fatima",
            "coördinator",
            "Weet de mentor het?",
        ),
    ),
    agreed="Jongerenwerker en wijkagent gaan in gesprek.",
)


def pages(pdf: bytes) -> int:
    """How many pages a PDF has (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_the_pdf_is_a_pdf_of_one_page_and_the_same_bytes_each_time() -> None:
    pdf = render_pdf(SHEET, translator("nl"))

    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert pages(pdf) == 1
    assert render_pdf(SHEET, translator("nl")) == pdf  # nothing of when or where it was made


def test_a_character_the_font_lacks_is_drawn_as_a_box_and_never_named_in_a_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        pdf = render_pdf(SHEET, translator("nl"))

    assert pdf.startswith(b"%PDF-")
    assert "🙂" not in caplog.text
    assert "missing" not in caplog.text


def test_a_long_account_runs_onto_more_pages() -> None:
    long = CaseSheet(**{**SHEET.__dict__, "account": (("Feiten", "Waargenomen. " * 900),)})

    assert pages(render_pdf(long, translator("en"))) >= 3


def test_the_text_is_in_the_coordinators_language_with_the_chosen_sections() -> None:
    dutch = sheet_text(SHEET, translator("nl"))
    assert dutch.startswith("VERTROUWELIJK — CASUSOVERLEG\nCasusblad K7Q-M3X")
    assert "— Het verloop —" in dutch
    assert "Fatima (coördinator): vroeg de melder — Weet de mentor het?" in dutch

    only_agreed = CaseSheet(**{**SHEET.__dict__, "sections": frozenset({"agreed"})})
    english = sheet_text(only_agreed, translator("en"))
    assert "— What was agreed —\nJongerenwerker en wijkagent gaan in gesprek." in english
    assert "Een leerling" not in english
    assert "Weet de mentor" not in english
