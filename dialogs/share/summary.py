"""The account as the reporter checks it before it is shared."""

from __future__ import annotations

from bot.conversation.dialog import Answers
from bot.domain.vocabulary import (
    ACTIONS,
    AGE_BANDS,
    FREQUENCIES,
    INFORMED,
    SETTINGS,
    SOURCES,
    SUBJECTS,
    URGENCIES,
    label,
)
from bot.i18n import N_, Translate
from dialogs.share.area import summary_line
from dialogs.share.texts import ACUTE_SUMMARY_HEAD, SUMMARY_HEAD, danger


def summary_lines(answers: Answers, t: Translate) -> list[str]:
    """The account as 'label: value' lines, in the order it was asked."""
    return [
        f"{t(N_('What you observed'))}:\n{_joined(answers.get('facts'))}",
        f"{t(N_('Source'))}: {label(SOURCES, str(answers.get('source', '')), t)}",
        *_per_part(answers, t),
        f"{t(N_('Your interpretation'))}: {_or_none(answers.get('interpretation'), t)}",
        f"{t(N_('Signals pointing the other way'))}: {_or_none(answers.get('counter_signals'), t)}",
        f"{t(N_('About'))}: {label(SUBJECTS, str(answers.get('subject', '')), t)}",
        f"{t(N_('Age'))}: {label(AGE_BANDS, str(answers.get('age_band', '')), t)}",
        f"{t(N_('Setting'))}: {label(SETTINGS, str(answers.get('setting', '')), t)}",
        *summary_line(answers, t),
        f"{t(N_('How often'))}: {label(FREQUENCIES, str(answers.get('frequency', '')), t)}",
        f"{t(N_('Already done'))}: {_actions(answers, t)}",
        f"{t(N_('Young person or parents know'))}: "
        f"{label(INFORMED, str(answers.get('informed', '')), t)}",
        f"{t(N_('Urgency'))}: {label(URGENCIES, urgency(answers), t)}",
        f"{t(N_('The coordinator may contact you'))}: "
        f"{t(N_('yes')) if contact_allowed(answers) else t(N_('no'))}",
        f"{t(N_('Your name is shown'))}: "
        f"{t(N_('yes')) if name_shown(answers) else t(N_('no, pseudonymous'))}",
    ]


def summary(answers: Answers, t: Translate) -> str:
    """The summary step's text: a heading and the lines."""
    head = ACUTE_SUMMARY_HEAD if danger(answers) else SUMMARY_HEAD
    return t(head) + "\n\n" + "\n".join(summary_lines(answers, t))


def contact_allowed(answers: Answers) -> bool:
    """Whether the coordinator may contact the reporter; always for an acute concern."""
    return danger(answers) or answers.get("contact") == "yes"


def name_shown(answers: Answers) -> bool:
    """Whether the reporter's name is shown (a consult has its own dialog, without a name)."""
    return answers.get("identity") == "name"


def urgency(answers: Answers) -> str:
    """The urgency; acute when someone is in danger."""
    return "acute" if danger(answers) else str(answers.get("urgency", ""))


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value or "")


def _per_part(answers: Answers, t: Translate) -> list[str]:
    if answers.get("source") != "several" or not answers.get("sources_detail"):
        return []
    return [f"{t(N_('Source per part'))}: {answers['sources_detail']}"]


def _or_none(value: object, t: Translate) -> str:
    return str(value) if value else t(N_("(none)"))


def _actions(answers: Answers, t: Translate) -> str:
    picked = answers.get("actions_taken") or []
    if not picked:
        return t(N_("nothing yet"))
    return ", ".join(label(ACTIONS, str(p), t) for p in picked)
