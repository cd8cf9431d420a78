"""The trend over months as a PNG: bars per month, months whose count is hidden shown as gaps
with a note. matplotlib's object API on the Agg canvas: headless, no global pyplot state."""

from __future__ import annotations

import io
from datetime import datetime

from babel.dates import format_date
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.i18n import N_, Translate, language_of
from bot.rendering.trend_series import TrendSeries

GAP_NOTE = N_(
    "Gaps: fewer than {k} concerns, or hidden so that a small number cannot be worked out."
)
AXIS = N_("Concerns shared")


def _month(start: datetime, t: Translate) -> str:
    return format_date(start.date(), "LLL yy", locale=language_of(t)).replace(".", "")


def trend_chart_png(series: TrendSeries, t: Translate) -> bytes:
    """The series as a bar chart in PNG, month names in ``t``'s language."""
    figure = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(series.months))
    shown = [(i, c) for i, c in zip(positions, series.counts, strict=True) if c is not None]
    axes.bar([i for i, _ in shown], [c for _, c in shown], color="#2b6f8e", width=0.7)
    for i, count in shown:
        axes.annotate(str(count), (i, count), ha="center", va="bottom", fontsize=8)
    hidden = [i for i, c in zip(positions, series.counts, strict=True) if c is None]
    top = max([c for _, c in shown], default=series.k)
    for i in hidden:  # a gap: a light band where the bar would be, no height
        axes.axvspan(i - 0.35, i + 0.35, color="#eeeeee", zorder=0)
        axes.annotate("–", (i, 0), ha="center", va="bottom", color="#888888", fontsize=12)
    axes.set_xticks(list(positions), [_month(m, t) for m in series.months], rotation=45, fontsize=8)
    axes.set_ylim(0, top * 1.2 + 1)
    axes.set_ylabel(t(AXIS))
    axes.set_title(series.title, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    if hidden:
        figure.text(0.01, 0.01, t(GAP_NOTE).format(k=series.k), fontsize=8, color="#555555")
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
