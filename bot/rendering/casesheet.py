"""A case sheet for the case meeting (casusoverleg), as data and as chat text.

The use case fills a ``CaseSheet`` with translated labels and the unsealed free text; the
renderers (this text, ``casesheet_pdf``) only lay it out, in the same order and sections."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.timeline import EntryKind, TimelineEntry
from bot.i18n import N_, Translate, for_people

ACCOUNT, TIMELINE, AGREED = "account", "timeline", "agreed"
SECTIONS: dict[str, str] = {
    ACCOUNT: N_("The account (facts, sources, interpretation, counter-signals)"),
    TIMELINE: N_("The timeline"),
    AGREED: N_("What was agreed"),
}
"""What a sheet may include, in the order it shows them."""
ENTRY_KINDS: dict[str, str] = {
    EntryKind.CREATED: N_("shared the concern"),
    EntryKind.STATUS: N_("status"),
    EntryKind.ACKNOWLEDGED: N_("acknowledged"),
    EntryKind.ASSIGNED: N_("assigned"),
    EntryKind.HANDOVER: N_("handed over"),
    EntryKind.QUESTION: N_("asked the reporter"),
    EntryKind.ANSWER: N_("answered"),
    EntryKind.ADDITION: N_("added to the account"),
    EntryKind.NOTE: N_("internal note"),
    EntryKind.REOPENED: N_("reopened"),
    EntryKind.LINKED: N_("linked"),
    EntryKind.USEFULNESS: N_("usefulness"),
    EntryKind.AGREED: N_("case meeting agreement"),
    EntryKind.EXPORTED: N_("case sheet made"),
}
CONFIDENTIAL = N_("Confidential — case meeting")
TITLE = N_("Case sheet {reference}")


@dataclass(frozen=True)
class CaseSheet:
    """Everything a case sheet shows; ``sections`` says which of the optional parts."""

    reference: str
    network: str
    made_on: str
    made_by: str
    sections: frozenset[str]
    legal_basis: str
    informed: str
    account: tuple[tuple[str, str], ...] = ()
    """Headed parts of the reporter's account, kept apart: (heading, text)."""
    timeline: tuple[TimelineEntry, ...] = ()
    agreed: str = ""
    zone: str = "Europe/Amsterdam"
    """The time zone the timeline's moments are shown in."""


def header_lines(sheet: CaseSheet, t: Translate) -> list[tuple[str, str]]:
    """The sheet's head as (label, value) pairs: reference, date, network, basis, informed."""
    return [
        (t(N_("Reference")), sheet.reference),
        (t(N_("Date")), sheet.made_on),
        (t(N_("Network")), sheet.network),
        (t(N_("Prepared by")), sheet.made_by),
        (t(N_("Legal basis")), sheet.legal_basis),
        (t(N_("Young person or parents informed")), sheet.informed),
    ]


def sheet_text(sheet: CaseSheet, t: Translate) -> str:
    """The sheet as chat text, with the same sections as the PDF."""
    lines = [t(CONFIDENTIAL).upper(), t(TITLE).format(reference=sheet.reference), ""]
    lines += [f"{name}: {value}" for name, value in header_lines(sheet, t)]
    for key in SECTIONS:
        if key not in sheet.sections:
            continue
        lines += ["", f"— {t(SECTIONS[key])} —"]
        if key == ACCOUNT:
            lines += [f"{heading}:\n{text}" for heading, text in sheet.account]
        elif key == TIMELINE:
            entries = [timeline_line(e, sheet.zone, t) for e in sheet.timeline]
            lines += entries or [t(N_("(none)"))]
        else:
            lines.append(sheet.agreed or t(N_("(none)")))
    return "\n".join(lines)


def timeline_line(entry: TimelineEntry, zone: str, t: Translate) -> str:
    """One timeline entry on one line: when, who (and role), what, then its free text."""
    kind = t(ENTRY_KINDS[entry.kind]) if entry.kind in ENTRY_KINDS else str(entry.kind)
    what = f"{kind} ({entry.detail})" if entry.detail else kind
    who = f"{entry.who} ({entry.role})" if entry.role else entry.who
    text = f" — {entry.text}" if entry.text else ""
    return f"• {for_people(entry.at, zone, t)} · {who}: {what}{text}"
