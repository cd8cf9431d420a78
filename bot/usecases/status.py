"""What a reporter hears of a concern: a status change in plain words, and /status."""

from __future__ import annotations

from bot.channels.replies import Choice
from bot.conversation.cards import reporter_line
from bot.conversation.turn import Turn
from bot.delivery.notify import Compose
from bot.domain.model import Concern, Status
from bot.domain.vocabulary import OUTCOME_MEANINGS, OUTCOMES, STATUS_MEANINGS, STATUSES, label
from bot.i18n import N_, Translate

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
    """List the reporter's own concerns with status and last feedback."""
    t = turn.t
    concerns = await turn.uow.concerns.of_reporter(turn.member_id)
    if not concerns:
        turn.say(t(N_("You have not shared any concerns yet. Start with /new.")))
        return
    zone = turn.settings.bot.timezone
    lines = [t(N_("Your concerns:"))] + [reporter_line(c, zone, t) for c in concerns]
    turn.say("\n".join(lines))
