"""The trend chart: a PNG made headless without pyplot's global state, month names in the
reader's language, hidden months as gaps with a note."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from bot.i18n import translator
from bot.rendering.trend_chart import _month, trend_chart_png
from bot.rendering.trend_series import TrendSeries
from bot.usecases.trend_tables import month_starts

MONTHS = month_starts(datetime(2026, 12, 3, tzinfo=UTC), "Europe/Amsterdam")
SERIES = TrendSeries("Concerns", MONTHS, (7, 9, None, 6, 12, 8, None, None, 5, 11, 14, 6), 5)


def test_the_chart_is_a_png() -> None:
    png = trend_chart_png(SERIES, translator("en"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 5000


def test_month_names_follow_the_readers_language() -> None:
    march = MONTHS[2]
    assert _month(march, translator("nl")) == "mrt 26"
    assert _month(march, translator("en")) == "Mar 26"


def test_a_chart_with_every_month_hidden_still_renders() -> None:
    hidden = TrendSeries("Concerns", MONTHS, (None,) * 12, 5)
    assert trend_chart_png(hidden, translator("nl")).startswith(b"\x89PNG")


def test_rendering_needs_no_display_and_leaves_no_pyplot_state() -> None:
    code = (
        "import sys, os; os.environ.pop('DISPLAY', None)\n"
        "from datetime import UTC, datetime\n"
        "from bot.i18n import translator\n"
        "from bot.rendering.trend_chart import trend_chart_png\n"
        "from bot.rendering.trend_series import TrendSeries\n"
        "m = (datetime(2026, 1, 1, tzinfo=UTC),)\n"
        "trend_chart_png(TrendSeries('x', m, (6,), 5), translator('en'))\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
