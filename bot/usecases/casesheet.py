"""The case sheet for the case meeting (casusoverleg): a coordinator of the concern's network
chooses what it includes, records the legal basis, who was informed and what was agreed, and
gets it as a PDF and as text, in their own chat only. Every export is in the access log."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.channels.parts import Attachment, Copy, FieldError
from bot.conversation.text import MAX_MESSAGE_CHARS, clean
from bot.conversation.turn import Turn
from bot.domain.legal_basis import LEGAL_BASES
from bot.domain.model import Concern, Role
from bot.domain.timeline import EntryKind, TimelineEntry
from bot.domain.vocabulary import INFORMED, SOURCES, label
from bot.i18n import N_, Translate, language_of
from bot.rendering.casesheet import ACCOUNT, AGREED, SECTIONS, TIMELINE, CaseSheet, sheet_text
from bot.scheduling.jobs.details import sheet_copy
from bot.storage.agreements import Agreement
from bot.usecases.casefile import timeline_of
from bot.usecases.network import ROLE_NAMES
from bot.usecases.triage import DETAILS_REMOVED, load_for_coordinator

EXPORT = "export_casesheet"
"""The access-log action of every export (and of every refusal)."""
REPORTER = N_("the reporter")
_DAY = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$|^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def _for_the_meeting(entries: list[TimelineEntry], t: Translate) -> list[TimelineEntry]:
    """The timeline as partners in the case meeting may read it: the reporter is "the
    reporter", never a name or a pseudonym that links their other shares."""
    reporter = t(ROLE_NAMES[Role.REPORTER])
    return [replace(e, who=t(REPORTER), role="") if e.role == reporter else e for e in entries]


@dataclass(frozen=True)
class SheetRequest:
    """What the coordinator chose: the sections, the legal basis, whether (and on which
    day) the young person or parents were informed (empty: as the reporter said), and what
    was agreed (free text)."""

    sections: frozenset[str]
    legal_basis: str
    informed: str
    informed_on: date | None = None
    agreed: str = ""


def parse_day(text: str) -> date | None:
    """A day as a coordinator types it: ``3-12-2026``, ``03/12/2026`` or ``2026-12-03``."""
    found = _DAY.match(text)
    if found is None:
        return None
    day, month, year, iso_year, iso_month, iso_day = found.groups()
    try:
        if iso_year:
            return date(int(iso_year), int(iso_month), int(iso_day))
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def account_parts(concern: Concern, t: Translate) -> tuple[tuple[str, str], ...]:
    """The reporter's account with facts, sources, interpretation and counter-signals apart."""
    none = t(N_("(none)"))
    source = label(SOURCES, concern.source, t)
    if concern.sources_detail:
        source += f"\n{concern.sources_detail}"
    parts = [(t(N_("Question for advice")), concern.question)] if concern.question else []
    return (
        *parts,
        (t(N_("What was observed")), concern.facts),
        (t(N_("Source")), source),
        (t(N_("Reporter’s interpretation")), concern.interpretation or none),
        (t(N_("Signals pointing the other way")), concern.counter_signals or none),
    )


def informed_text(request: SheetRequest, t: Translate) -> str:
    """Whether the young person or parents were informed, with the day when given."""
    said = label(INFORMED, request.informed, t)
    return said if request.informed_on is None else f"{said} ({day_text(request.informed_on, t)})"


def day_text(day: date, t: Translate) -> str:
    """A day as people read it in ``t``'s language: ``3 december 2026``."""
    return format_date(day, "d MMMM y", locale=language_of(t))


async def export_casesheet(turn: Turn, reference: str, request: SheetRequest) -> None:
    """Record the agreement and send the sheet, as PDF and text, to the coordinator alone."""
    concern = await load_for_coordinator(turn, reference, EXPORT)
    if concern is None or concern.id is None:
        return
    t, zone = turn.t, turn.settings.bot.timezone
    if not request.informed:  # not changed: what the reporter said when sharing holds
        request = replace(request, informed=concern.informed)
    # Built before this meeting's agreement is stored (it has a section of its own); earlier
    # agreements are in it only when what was agreed is chosen too.
    timeline = (
        _for_the_meeting(await timeline_of(turn.uow, concern, t, turn.network), t)
        if TIMELINE in request.sections
        else []
    )
    if AGREED not in request.sections:
        timeline = [e for e in timeline if e.kind is not EntryKind.AGREED]
    await turn.uow.agreements.add(
        Agreement(
            concern_id=concern.id,
            author_id=turn.member_id,
            agreed=request.agreed,
            legal_basis=request.legal_basis,
            informed=request.informed,
            informed_on=None if request.informed_on is None else request.informed_on.isoformat(),
            at=turn.now,
        )
    )
    sheet = CaseSheet(
        reference=concern.reference,
        network=turn.network.name,
        made_on=day_text(turn.now.astimezone(ZoneInfo(zone)).date(), t),
        made_by=turn.member.display_name,
        sections=request.sections,
        legal_basis=label(LEGAL_BASES, request.legal_basis, t),
        informed=informed_text(request, t),
        account=account_parts(concern, t) if ACCOUNT in request.sections else (),
        timeline=tuple(timeline),
        agreed=request.agreed if AGREED in request.sections else "",
        zone=zone,
    )
    name = f"{t(N_('casesheet'))}-{concern.reference}-{turn.now:%Y%m%d}.pdf"
    await turn.log(EXPORT, "ok", concern.reference)
    hours = turn.settings.scheduler.details_removal_hours
    # fpdf2 and matplotlib's fonts load on the first sheet, not at every start (~50 MB).
    from bot.rendering.casesheet_pdf import render_pdf

    turn.say(
        sheet_text(sheet, t) + "\n\n" + t(DETAILS_REMOVED).format(hours=hours),
        attachment=Attachment(name, render_pdf(sheet, t), "application/pdf"),
        copy=Copy(sheet_copy(concern.reference)),
        concern=concern.reference,
    )


async def submit_casesheet(turn: Turn, values: dict[str, str]) -> None:
    """The case sheet's form (Slack's modal), checked field by field, then exported."""
    sections = frozenset(v for v in values.get("sections", "").split(",") if v in SECTIONS)
    basis, informed = values.get("legal_basis", ""), values.get("informed", "")
    day_given = values.get("informed_on", "").strip()
    day = parse_day(day_given) if day_given else None
    agreed = clean(values.get("agreed", ""))
    if not sections:
        turn.say(turn.t(N_("Pick at least one part.")), error=FieldError("sections"))
    elif basis not in LEGAL_BASES:
        turn.say(turn.t(N_("Please pick a legal basis.")), error=FieldError("legal_basis"))
    elif informed and informed not in INFORMED:
        turn.say(turn.t(N_("Please pick one of the options.")), error=FieldError("informed"))
    elif day_given and day is None:
        turn.say(turn.t(N_("Write the day as 28-11-2026.")), error=FieldError("informed_on"))
    elif len(agreed) > MAX_MESSAGE_CHARS:
        turn.say(turn.t(N_("That is too long.")), error=FieldError("agreed"))
    else:
        request = SheetRequest(sections, basis, informed, day, agreed)
        await export_casesheet(turn, values.get("reference", ""), request)
