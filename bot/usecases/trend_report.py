"""The trend tables of one view as people read them: a text for the chat, a CSV for the
municipality's own reporting. Only published figures; a hidden one is a dash ("–")."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from babel.dates import format_date

from bot.domain.trends import ALL
from bot.domain.vocabulary import SETTINGS, SUBJECTS, label
from bot.i18n import N_, Translate, duration, language_of
from bot.scheduling.jobs.digest import USEFUL
from bot.settings import Settings
from bot.usecases.trend_tables import OTHER, UNKNOWN_AREA, TrendTables

HIDDEN = "–"
TITLES = {
    "organisation": N_("By organisation"),
    "subject": N_("By kind"),
    "setting": N_("By setting"),
    "area": N_("By area"),
}
LEGEND = N_(
    "– : fewer than {k}, or hidden so that a small number cannot be worked out from the others."
)


def month_name(start: datetime, t: Translate, short: bool = False) -> str:
    """A month in the reader's language: ``december 2026``, or ``dec`` (Babel's names)."""
    pattern = "LLL" if short else "LLLL yyyy"
    return format_date(start.date(), pattern, locale=language_of(t)).rstrip(".")


def view_name(view: str, tables: TrendTables, settings: Settings, t: Translate) -> str:
    """A view as people read it: the network's name, or the municipality's networks together."""
    if view != ALL:
        return settings.network(view).name
    municipality = settings.municipality_of(tables.networks[0])
    name = municipality.name if municipality is not None else ""
    return t(N_("all networks of {municipality}")).format(municipality=name)


def category_name(
    name: str, key: str, view: str, tables: TrendTables, settings: Settings, t: Translate
) -> str:
    """A category of a breakdown as people read it."""
    if key == OTHER:
        return t(N_("other or not given"))
    if name == "organisation":
        nets = tables.networks if view == ALL else (view,)
        for n in nets:
            for org in settings.network(n).organisations:
                if org.id == key:
                    return org.name
        return key
    if name == "subject":
        return label(SUBJECTS, key, t)
    if name == "setting":
        return label(SETTINGS, key, t)
    return t(N_("Unknown / rather not say")) if key == UNKNOWN_AREA else key


def _count(value: int | None) -> str:
    return HIDDEN if value is None else str(value)


def _wait(value: timedelta | None, t: Translate) -> str:
    if value is None:
        return HIDDEN
    hours = round(value.total_seconds() / 3600)
    return duration(t, hours=hours) if hours < 48 else duration(t, days=round(hours / 24))


def trend_text(tables: TrendTables, view: str, settings: Settings, t: Translate) -> str:
    """The chat text of one view: months, each breakdown month by month, times, usefulness."""
    months = range(len(tables.months))
    lines = [
        t(N_("Trends for {view}, {first} to {last}:")).format(
            view=view_name(view, tables, settings, t),
            first=month_name(tables.months[0], t),
            last=month_name(tables.months[-1], t),
        ),
        "",
        t(N_("Concerns shared per month:")),
    ]
    lines += [
        f"• {month_name(tables.months[m], t)}: {_count(tables.month(view, m))}" for m in months
    ]
    heading = " · ".join(month_name(start, t, short=True) for start in tables.months)
    for name in tables.categories:
        lines += ["", f"{t(TITLES[name])} ({heading}):"]
        listed = 0
        for key in tables.keys(name, view):
            values = [tables.cell(name, view, m, key) for m in months]
            if all(v is None for v in values):
                continue
            listed += 1
            row = " · ".join(_count(v) for v in values)
            lines.append(f"• {category_name(name, key, view, tables, settings, t)}: {row}")
        if not listed:
            lines.append("• " + t(N_("too few to show")))
        elif listed < len(tables.keys(name, view)):
            lines.append("• " + t(N_("the others: too few to show")))
    lines += [
        "",
        t(N_("Median time to acknowledge (by month shared):")),
        " · ".join(_wait(tables.to_acknowledge[(view, m)], t) for m in months),
        t(N_("Median time to close (by month closed):")),
        " · ".join(_wait(tables.to_close[(view, m)], t) for m in months),
        "",
        f"{t(N_('Answers to “Was sharing useful?”'))} ({heading}):",
        *(
            f"• {t(text)}: "
            + " · ".join(
                _count(tables.useful.get(("cell", "answer", view, m, key))) for m in months
            )
            for key, text in USEFUL.items()
        ),
        "",
        t(LEGEND).format(k=tables.k),
    ]
    return "\n".join(lines)


def trend_csv(tables: TrendTables, view: str, settings: Settings, t: Translate) -> str:
    """The CSV of one view: one row per figure, the count empty where it is hidden."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["view", "month", "breakdown", "category", "count", "note"])
    where = view_name(view, tables, settings, t)
    suppressed = t(N_("hidden: fewer than {k}, or could reveal one")).format(k=tables.k)

    def row(month: str, breakdown: str, category: str, value: object) -> None:
        note = suppressed if value is None else ""
        writer.writerow([where, month, breakdown, category, "" if value is None else value, note])

    for m, start in enumerate(tables.months):
        month = start.strftime("%Y-%m")
        row(month, "total", "", tables.month(view, m))
        for name in tables.categories:
            for key in tables.keys(name, view):
                label_ = category_name(name, key, view, tables, settings, t)
                row(month, name, label_, tables.cell(name, view, m, key))
        for name, waits in (
            ("median_hours_to_acknowledge", tables.to_acknowledge),
            ("median_hours_to_close", tables.to_close),
        ):
            wait = waits[(view, m)]
            row(month, name, "", None if wait is None else round(wait.total_seconds() / 3600, 1))
    for m, start in enumerate(tables.months):
        for key, text in USEFUL.items():
            value = tables.useful.get(("cell", "answer", view, m, key))
            row(start.strftime("%Y-%m"), "useful", t(text), value)
    return out.getvalue()
