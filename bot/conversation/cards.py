"""How concerns are shown: the minimal alert, the card, the logged details, the reporter's view."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.channels.replies import Choice
from bot.domain.model import Concern, Member, Mode, Network, Status
from bot.domain.vocabulary import (
    ACTIONS,
    AGE_BANDS,
    FREQUENCIES,
    INFORMED,
    MODES,
    OUTCOMES,
    SETTINGS,
    SOURCES,
    STATUSES,
    SUBJECTS,
    URGENCIES,
    label,
)
from bot.i18n import N_, Translate, for_people


def when(moment: datetime, zone: str, t: Translate | None = None) -> str:
    """A moment as local date and time: for people (``t`` given) ``15 december, 19:44`` in
    their language, for the operator's terminal ``2026-12-15 19:44``."""
    if t is not None:
        return for_people(moment, zone, t)
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def action(verb: str, argument: str) -> str:
    """The choice id of an action on a record, e.g. ``act:ack:K7Q-M3X``."""
    return f"act:{verb}:{argument}"


TRIAGE_POSITIONS = {"ack": 1, "assign": 2, "details": 3, "ask": 4, "status": 5}
"""Each triage action's fixed number: an action left out leaves its number unused."""


def triage_choices(
    concern: Concern, t: Translate, reporter_left: bool = False
) -> tuple[Choice, ...]:
    """The actions a coordinator can take on a concern from its alert or card (Ask reporter
    only while the reporter may be contacted and is still there)."""
    shown = [
        ("ack", N_("Acknowledge"), concern.status is Status.RECEIVED),
        ("assign", N_("Assign to me"), concern.is_open),
        ("details", N_("View details"), True),
        ("ask", N_("Ask reporter"), concern.is_open and may_contact(concern, reporter_left)),
        ("status", N_("Update status"), concern.is_open),
    ]
    return tuple(
        Choice(action(verb, concern.reference), t(text), TRIAGE_POSITIONS[verb])
        for verb, text, offered in shown
        if offered
    )


def may_contact(concern: Concern, reporter_left: bool) -> bool:
    """True when the reporter allowed contact and has not left (used /forgetme)."""
    return concern.contact_allowed and not reporter_left and concern.reporter_id is not None


def headline(concern: Concern, t: Translate) -> str:
    """One line: reference, acute marker, kind, subject, age band, setting (those known)."""
    parts = [label(MODES, concern.mode, t).split(" (")[0]] + [
        label(table, key, t)
        for table, key in (
            (SUBJECTS, concern.subject),
            (AGE_BANDS, concern.age_band),
            (SETTINGS, concern.setting),
        )
        if key
    ]
    acute = t(N_("ACUTE")) + " · " if concern.acute else ""
    return f"{concern.reference} · {acute}" + " · ".join(parts)


CALLED_112 = "called_112"
"""The action key for "112 called / police informed", shown first on a card."""


def called_112(concern: Concern, t: Translate) -> list[str]:
    """The line that says 112 was called (or the police informed), when the reporter said so."""
    if CALLED_112 not in concern.actions_taken:
        return []
    return ["‼ " + t(N_("112 called / police informed"))]


def alert_text(
    concern: Concern, network: Network, zone: str, t: Translate, running: bool = False
) -> str:
    """The minimal alert: no free text, no reporter identity (``running``: the reporter is
    still answering, and the alert is updated as answers arrive)."""
    org = network.organisation(concern.organisation_id).name
    lines = [
        _alert_title(concern, t),
        headline(concern, t),
    ]
    lines[1:1] = called_112(concern, t)
    if running:
        lines.append(t(N_("Intake still running: this alert is updated as answers arrive.")))
    lines += [
        f"{t(N_('Urgency'))}: {label(URGENCIES, concern.urgency, t)}",
        f"{t(N_('Organisation'))}: {org}",
        f"{t(N_('Acknowledge by'))}: {when(concern.acknowledge_due, zone, t)}",
        f"{t(N_('Feedback to the reporter by'))}: {when(concern.feedback_due, zone, t)}",
    ]
    return "\n".join(lines)


def _alert_title(concern: Concern, t: Translate) -> str:
    if concern.acute:
        return t(N_("ACUTE concern shared"))
    if concern.mode is Mode.ADVICE:
        return t(N_("New question for advice (anonymous consult)"))
    return t(N_("New concern shared"))


def area_line(concern: Concern, t: Translate) -> list[str]:
    """The card's area line, when the intake asked for the area."""
    if not concern.area:
        return []
    area = t(N_("Unknown / rather not say")) if concern.area == "unknown" else concern.area
    return [f"{t(N_('Area'))}: {area}"]


def contact_line(concern: Concern, t: Translate, reporter_left: bool) -> str:
    """Whether the coordinator may contact the reporter: yes, no, or the reporter has left."""
    if reporter_left:
        return t(N_("The reporter has left (they erased their account): nobody can reach them."))
    return (
        f"{t(N_('The coordinator may contact the reporter'))}: "
        f"{t(N_('yes')) if concern.contact_allowed else t(N_('no'))}"
    )


def card_text(
    concern: Concern,
    network: Network,
    zone: str,
    t: Translate,
    assignee: Member | None,
    reporter_left: bool = False,
) -> str:
    """The card a coordinator sees in a list: status and deadlines, still no free text."""
    lines = [
        headline(concern, t),
        *called_112(concern, t),
        f"{t(N_('Status'))}: {label(STATUSES, concern.status, t)}",
        f"{t(N_('Assigned to'))}: {assignee.display_name if assignee else t(N_('nobody yet'))}",
        f"{t(N_('Urgency'))}: {label(URGENCIES, concern.urgency, t)}",
        f"{t(N_('Organisation'))}: {network.organisation(concern.organisation_id).name}",
        *area_line(concern, t),
    ]
    if concern.status is Status.RECEIVED:
        lines.append(f"{t(N_('Acknowledge by'))}: {when(concern.acknowledge_due, zone, t)}")
    elif concern.is_open:
        lines.append(f"{t(N_('Feedback by'))}: {when(concern.feedback_due, zone, t)}")
    if reporter_left or not concern.contact_allowed:
        lines.append(contact_line(concern, t, reporter_left))
    return "\n".join(lines)


def _account_lines(concern: Concern, t: Translate) -> list[str]:
    """The account; a consult shows only what it asked (no source, no actions not asked for)."""
    if concern.question:
        return [
            f"{t(N_('Question for advice'))}:\n{concern.question}",
            f"{t(N_('The situation'))}:\n{concern.facts}",
        ]
    actions = ", ".join(label(ACTIONS, a, t) for a in concern.actions_taken) or t(N_("nothing yet"))
    none = t(N_("(none)"))
    return [
        f"{t(N_('What was observed'))}:\n{concern.facts}",
        f"{t(N_('Source'))}: {label(SOURCES, concern.source, t)}",
        *([f"{t(N_('Source per part'))}: {concern.sources_detail}"] * bool(concern.sources_detail)),
        f"{t(N_('Reporter’s interpretation'))}: {concern.interpretation or none}",
        f"{t(N_('Signals pointing the other way'))}: {concern.counter_signals or none}",
        f"{t(N_('How often'))}: {label(FREQUENCIES, concern.frequency, t)}",
        f"{t(N_('Already done'))}: {actions}",
        f"{t(N_('Young person or parents know'))}: {label(INFORMED, concern.informed, t)}",
    ]


def details_text(
    concern: Concern, reporter: str, zone: str, t: Translate, reporter_left: bool = False
) -> str:
    """The full account, shown only on an explicit, logged request (without what happened
    since: the case file's timeline follows it)."""
    lines = [
        headline(concern, t),
        f"{t(N_('Shared'))}: {when(concern.created_at, zone, t)} · {t(N_('Reporter'))}: {reporter}",
        contact_line(concern, t, reporter_left),
        "",
        *_account_lines(concern, t),
    ]
    # What happened since (statuses with their notes and reasons) is the case file's timeline.
    return "\n".join(lines)


def reporter_line(concern: Concern, zone: str, t: Translate) -> str:
    """How a reporter sees one of their concerns in /status."""
    status = label(STATUSES, concern.status, t)
    head = f"{concern.reference} · {when(concern.created_at, zone, t)} · {status}"
    if concern.status is Status.CLOSED and concern.outcome is not None:
        head += f" ({label(OUTCOMES, concern.outcome, t)})"
    feedback = next((c.note for c in reversed(concern.history) if c.note), "")
    if feedback:
        head += f"\n  {t(N_('Last feedback'))}: {feedback}"
    elif concern.is_open:
        head += f"\n  {t(N_('Next news at the latest'))}: {when(concern.feedback_due, zone, t)}"
    return head
