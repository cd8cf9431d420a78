"""What a reporter hears of a concern: a status change in plain words, and /status."""

from __future__ import annotations

from bot.channels.replies import Choice
from bot.conversation.cards import action, when
from bot.conversation.turn import Turn
from bot.delivery.notify import Compose
from bot.domain.model import Concern, Status
from bot.domain.vocabulary import (
    AGE_BANDS,
    OUTCOME_MEANINGS,
    OUTCOMES,
    SETTINGS,
    STATUS_MEANINGS,
    STATUSES,
    SUBJECTS,
    label,
)
from bot.i18n import N_, Translate

MESSAGE_CHOICES = 8
"""At most this many concerns, the newest, get a button to write about them in /status."""
NO_NOTE = N_("The coordinator did not add a note to this update.")

TAKEN_OVER = N_(
    "Another coordinator has taken over your concern {reference}. Nothing else changes: you "
    "keep hearing about it here."
)


def taken_over(reference: str) -> Compose:
    """The reporter's message that another coordinator is now responsible (no names)."""

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        return t(TAKEN_OVER).format(reference=reference), ()

    return compose


def status_message(concern: Concern, note: str, t: Translate) -> str:
    """What a status change means, in plain words, for the reporter (with the coordinator's
    note, or honestly saying that none was given)."""
    lines = [
        t(N_("Update on your concern {reference}: {status}.")).format(
            reference=concern.reference, status=label(STATUSES, concern.status, t)
        ),
        t(STATUS_MEANINGS[concern.status]),
    ]
    if concern.status is Status.CLOSED and concern.outcome is not None:
        lines.append(f"{t(N_('Outcome'))}: {label(OUTCOMES, concern.outcome, t)}")
        if concern.outcome in OUTCOME_MEANINGS:
            lines.append(t(OUTCOME_MEANINGS[concern.outcome]))
    if note:
        lines.append(f"{t(N_('Note from the coordinator'))}: {note}")
    else:
        lines.append(t(NO_NOTE))
    return "\n".join(lines)


async def show_status(turn: Turn) -> None:
    """List the reporter's own concerns: what each was about, whether a coordinator opened it,
    what was last said and what comes next."""
    t = turn.t
    concerns = await turn.uow.concerns.of_reporter(turn.member_id)
    if not concerns:
        turn.say(t(N_("You have not shared any concerns yet. Start with /new.")))
        return
    lines = [t(N_("Your concerns:"))]
    for concern in concerns:
        lines.append(await _entry(turn, concern))
    lines.append(t(N_("To add information or write to the coordinator, choose the concern.")))
    choices = tuple(
        Choice(
            action("message", c.reference),
            t(N_("Write about {reference}")).format(reference=c.reference),
        )
        for c in concerns[:MESSAGE_CHOICES]
    )
    turn.say("\n".join(lines), choices)


async def _entry(turn: Turn, concern: Concern) -> str:
    t, zone = turn.t, turn.settings.bot.timezone
    head = f"{concern.reference} · {when(concern.created_at, zone, t)} · "
    head += label(STATUSES, concern.status, t)
    if concern.status is Status.CLOSED and concern.outcome is not None:
        head += f" ({label(OUTCOMES, concern.outcome, t)})"
    about = " · ".join(
        (
            label(SUBJECTS, concern.subject, t),
            label(AGE_BANDS, concern.age_band, t),
            label(SETTINGS, concern.setting, t),
        )
    )
    log = await turn.uow.access_log.entries(concern_reference=concern.reference)
    opened = any(e.action == "view_details" and e.outcome == "ok" for e in log)
    feedback = next((c.note for c in reversed(concern.history) if c.note), "")
    lines = [
        head,
        f"{t(N_('About'))}: {about}",
        t(N_("Opened by a coordinator: yes"))
        if opened
        else t(N_("Opened by a coordinator: not yet")),
        f"{t(N_('Last feedback'))}: {feedback}" if feedback else t(N_("No feedback note yet.")),
    ]
    if concern.id is not None and concern.is_open:
        waiting = [q for q in await turn.uow.questions.of_concern(concern.id) if q.answer is None]
        if waiting:
            lines.append(
                t(N_("A coordinator's question waits for your answer: “{question}”")).format(
                    question=waiting[-1].question
                )
            )
    if concern.status is Status.RECEIVED:
        lines.append(
            t(N_("Next: a coordinator acknowledges it by {moment} at the latest.")).format(
                moment=when(concern.acknowledge_due, zone, t)
            )
        )
    elif concern.is_open:
        lines.append(f"{t(N_('Next news at the latest'))}: {when(concern.feedback_due, zone, t)}")
    else:
        lines.append(t(N_("Next: nothing more is planned; the concern is closed.")))
    return "\n  ".join(lines)
