"""Forms filled in at once (Slack modals): ask the reporter, update the status, the case
sheet."""

from __future__ import annotations

from bot.channels.parts import FieldError
from bot.conversation.text import MAX_MESSAGE_CHARS, clean
from bot.conversation.turn import Turn
from bot.domain.model import Outcome, Status
from bot.i18n import N_
from bot.usecases.casesheet import submit_casesheet
from bot.usecases.handover import hand_over
from bot.usecases.relay import ask_reporter
from bot.usecases.triage import set_status


def _error(turn: Turn, field: str, message: str) -> None:
    turn.say(turn.t(message), error=FieldError(field))


async def submit(turn: Turn, form: str, values: dict[str, str]) -> None:
    """Carry out a submitted form; problems are answered with the field they concern."""
    reference = values.get("reference", "")
    if form == "ask":
        question = clean(values.get("question", ""))
        if not question:
            _error(turn, "question", N_("Please write your question."))
        elif len(question) > MAX_MESSAGE_CHARS:
            _error(turn, "question", N_("The question is too long."))
        else:
            await ask_reporter(turn, reference, question)
        return
    if form == "status":
        try:
            status = Status(values.get("status", ""))
            outcome = Outcome(values["outcome"]) if values.get("outcome") else None
        except ValueError:
            _error(turn, "status", N_("Please pick a status."))
            return
        if status is Status.CLOSED and outcome is None:
            _error(turn, "outcome", N_("Closing a concern needs an outcome."))
            return
        note = clean(values.get("note", ""))
        if len(note) > MAX_MESSAGE_CHARS:
            _error(turn, "note", N_("The note is too long."))
            return
        reason = clean(values.get("reason", ""))
        if len(reason) > MAX_MESSAGE_CHARS:
            _error(turn, "reason", N_("The reason is too long."))
            return
        await set_status(turn, reference, status, outcome, note, reason)
        return
    if form == "handover":
        note = clean(values.get("note", ""))
        if not values.get("to", "").isdigit():
            _error(turn, "to", N_("Please pick a colleague."))
        elif not note:
            _error(turn, "note", N_("Please write a handover note."))
        elif len(note) > MAX_MESSAGE_CHARS:
            _error(turn, "note", N_("The note is too long."))
        else:
            await hand_over(turn, reference, int(values["to"]), note)
        return
    if form == "casesheet":
        await submit_casesheet(turn, values)
        return
    turn.say(turn.t(N_("That form is no longer valid.")))
