"""The case sheet as a PDF (fpdf2), in a Unicode font: matplotlib's bundled DejaVu Sans."""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.i18n import N_, Translate
from bot.rendering.casesheet import (
    ACCOUNT,
    CONFIDENTIAL,
    SECTIONS,
    TIMELINE,
    TITLE,
    CaseSheet,
    header_lines,
    timeline_line,
)

FONT = "DejaVu"
MISSING = "□"
"""What a character the font lacks is shown as (DejaVu Sans has it)."""
_WIDTH = 0  # fpdf2: 0 is "up to the right margin"
_CREATED = datetime(2000, 1, 1)
"""The creation date written into the file: a fixed one, so that the PDF's bytes depend on
its content alone (and say nothing of when, or on which machine, it was made)."""


@functools.cache
def font_files() -> tuple[Path, Path]:
    """The regular and bold DejaVu Sans that come with matplotlib."""
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"


class _Sheet(FPDF):
    """A4 pages headed "Confidential — case meeting" with the reference, numbered below."""

    def __init__(self, running_head: str, page_word: str) -> None:
        super().__init__(format="A4")
        self._head = running_head
        self._page_word = page_word
        regular, bold = font_files()
        self.add_font(FONT, "", str(regular))
        self.add_font(FONT, "B", str(bold))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(20, 18, 20)

    def normalize_text(self, text: str) -> str:
        """Text in the font's characters: any other (an emoji) becomes ``□``, here, so that
        fpdf2 does not name the characters it lacks in a log line (they are what the
        reporter wrote)."""
        cmap = getattr(self.current_font, "cmap", None) or {}
        return "".join(c if ord(c) in cmap or c in "\n\r\t" else MISSING for c in text)

    def header(self) -> None:
        """The running head on every page."""
        self.set_font(FONT, "B", 9)
        self.set_text_color(150, 20, 20)
        self.cell(_WIDTH, 6, self._head, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="R")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        """The page number."""
        self.set_y(-13)
        self.set_font(FONT, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(_WIDTH, 6, f"{self._page_word} {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def render_pdf(sheet: CaseSheet, t: Translate) -> bytes:
    """The case sheet as PDF bytes, in ``t``'s language, with the chosen sections only."""
    pdf = _Sheet(f"{t(CONFIDENTIAL)} · {sheet.reference}", t(N_("Page")))
    pdf.set_title(t(TITLE).format(reference=sheet.reference))
    pdf.set_creator("concernbot")
    pdf.set_creation_date(_CREATED)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(FONT, "B", 17)
    pdf.cell(
        _WIDTH, 10, t(TITLE).format(reference=sheet.reference), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(2)
    for name, value in header_lines(sheet, t):
        _field(pdf, name, value)
    for key in SECTIONS:
        if key not in sheet.sections:
            continue
        _heading(pdf, t(SECTIONS[key]))
        if key == ACCOUNT:
            for heading, text in sheet.account:
                _block(pdf, heading, text)
        elif key == TIMELINE:
            for entry in sheet.timeline:
                pdf.set_font(FONT, "", 9)
                when, _, what = (
                    timeline_line(entry, sheet.zone, t).removeprefix("• ").partition(" · ")
                )
                _row(pdf, when, what, 42)
            if not sheet.timeline:
                _paragraph(pdf, t(N_("(none)")))
        else:
            _paragraph(pdf, sheet.agreed or t(N_("(none)")))
    return bytes(pdf.output())


def _field(pdf: FPDF, name: str, value: str) -> None:
    pdf.set_font(FONT, "B", 10)
    _row(pdf, name, value, 72)


def _row(pdf: FPDF, left: str, right: str, width: float) -> None:
    """``left`` in a column of ``width`` mm (in the font set), ``right`` wrapped beside it."""
    lines = pdf.multi_cell(width - 2, 5.5, left, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    if pdf.get_y() + 5.5 * len(lines) > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    pdf.multi_cell(width - 2, 5.5, left, align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_xy(pdf.l_margin + width, top)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(_WIDTH, 5.5, right, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if pdf.get_y() > top:  # the right column may have gone on to the next page
        pdf.set_y(max(pdf.get_y(), top + 5.5 * len(lines)))
    pdf.ln(0.8)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(4)
    pdf.set_font(FONT, "B", 12.5)
    pdf.set_fill_color(232, 236, 242)
    pdf.cell(_WIDTH, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, fill=True)
    pdf.ln(1.5)


def _block(pdf: FPDF, heading: str, text: str) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.cell(_WIDTH, 6, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _paragraph(pdf, text)
    pdf.ln(1.5)


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(_WIDTH, 5.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
