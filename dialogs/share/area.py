"""The area (district) question of the share dialog, asked only in a network with areas."""

from __future__ import annotations

from bot.conversation.dialog import Answers, Option, Step
from bot.i18n import N_, Translate

AREAS = "_areas"
"""The initial answer that lists the network's areas (absent: the question is not asked)."""
UNKNOWN = "unknown"
UNKNOWN_LABEL = N_("Unknown / rather not say")
LABEL = N_("Area")


def areas(answers: Answers) -> list[str]:
    """The network's areas, as the dialog was begun with."""
    value = answers.get(AREAS)
    return list(value) if isinstance(value, list) else []


def after_setting(answers: Answers) -> str:
    """The area question when the network has areas, else straight on to how often."""
    return "area" if areas(answers) else "frequency"


def _options(answers: Answers) -> tuple[Option, ...]:
    return (*(Option(a, a) for a in areas(answers)), Option(UNKNOWN, UNKNOWN_LABEL))


STEP = Step(
    "area",
    N_("In which area (district)?"),
    options=_options,
    next="frequency",
    label=LABEL,
)


def area_label(area: str, t: Translate) -> str:
    """An area as people read it: its name, or 'unknown / rather not say'."""
    return t(UNKNOWN_LABEL) if area == UNKNOWN else area


def summary_line(answers: Answers, t: Translate) -> list[str]:
    """The summary's area line, when the question was asked."""
    if not areas(answers):
        return []
    return [f"{t(LABEL)}: {area_label(str(answers.get('area', UNKNOWN)), t)}"]
