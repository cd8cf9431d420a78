"""Triage dialogs for coordinators: ask the reporter a question, update a concern's status."""

from __future__ import annotations

from bot.conversation.dialog import CANCEL, END, Answer, Answers, Dialog, Kind, Option, Step
from bot.conversation.flows import Flow
from bot.conversation.turn import Turn
from bot.domain.model import Outcome, Role, Status
from bot.domain.vocabulary import OUTCOMES, STATUSES, label
from bot.i18n import N_, Translate
from bot.usecases.relay import ask_reporter, may_ask
from bot.usecases.triage import load_for_coordinator, set_status

COORDINATORS = (Role.COORDINATOR,)


def _ref(answers: Answers) -> str:
    return str(answers.get("_reference", ""))


def _ask_prompt(answers: Answers, t: Translate) -> str:
    return t(
        N_(
            "What do you want to ask the reporter of {reference}? They see your question in their "
            "own chat, without your name. Their answer comes back to you."
        )
    ).format(reference=_ref(answers))


async def _ask_begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    return {"_reference": argument} if await may_ask(turn, argument) else None


async def _ask_complete(turn: Turn, answers: dict[str, Answer]) -> None:
    await ask_reporter(turn, _ref(answers), str(answers["question"]))


ASK = Flow(
    dialog=Dialog(
        name="ask_reporter",
        first="question",
        help=N_("You are writing a question for the reporter. /cancel stops without sending."),
        cancelled=N_("Nothing was sent."),
        steps=(Step("question", _ask_prompt, kind=Kind.TEXT),),
    ),
    begin=_ask_begin,
    complete=_ask_complete,
    roles=COORDINATORS,
)


def _status_options(answers: Answers) -> tuple[Option, ...]:
    current = Status(str(answers["_status"]))
    order = list(Status)
    # Each status keeps its number (its place in the order) whatever the current one is.
    return tuple(
        Option(s.value, STATUSES[s], order.index(s)) for s in order[order.index(current) + 1 :]
    )


def _status_prompt(answers: Answers, t: Translate) -> str:
    return t(N_("{reference} is now {status}. Move it to:")).format(
        reference=_ref(answers), status=label(STATUSES, str(answers["_status"]), t)
    )


def _after_status(answers: Answers) -> str:
    return "outcome" if answers.get("status") == Status.CLOSED.value else "note"


def _confirm_prompt(answers: Answers, t: Translate) -> str:
    lines = [
        t(N_("Set {reference} to {status}?")).format(
            reference=_ref(answers), status=label(STATUSES, str(answers["status"]), t)
        )
    ]
    if answers.get("status") == Status.CLOSED.value:
        lines.append(f"{t(N_('Outcome'))}: {label(OUTCOMES, str(answers.get('outcome')), t)}")
    note = str(answers.get("note") or "")
    lines.append(f"{t(N_('Note for the reporter'))}: {note or t(N_('(none)'))}")
    reason = str(answers.get("reason") or "")
    lines.append(f"{t(N_('Reason for colleagues'))}: {reason or t(N_('(none)'))}")
    return "\n".join(lines)


def _after_confirm(answers: Answers) -> str:
    return END if answers.get("confirm") == "yes" else CANCEL


async def _status_begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    concern = await load_for_coordinator(turn, argument, "status_change")
    if concern is None:
        return None
    if not concern.is_open:
        turn.say(turn.t(N_("{reference} is closed.")).format(reference=concern.reference))
        return None
    return {"_reference": concern.reference, "_status": concern.status.value}


async def _status_complete(turn: Turn, answers: dict[str, Answer]) -> None:
    outcome = answers.get("outcome")
    await set_status(
        turn,
        _ref(answers),
        Status(str(answers["status"])),
        Outcome(str(outcome)) if outcome else None,
        str(answers.get("note") or ""),
        str(answers.get("reason") or ""),
    )


STATUS = Flow(
    dialog=Dialog(
        name="set_status",
        first="status",
        help=N_("You are updating a concern's status. The reporter is told in plain words."),
        cancelled=N_("The status was not changed."),
        steps=(
            Step("status", _status_prompt, options=_status_options, next=_after_status),
            Step(
                "outcome",
                N_("What was the outcome?"),
                options=tuple(Option(k, v) for k, v in OUTCOMES.items()),
                next="note",
            ),
            Step(
                "note",
                N_(
                    "A feedback note for the reporter, in plain words and without names "
                    "(it is sent to them):"
                ),
                kind=Kind.TEXT,
                skippable=True,
                next="reason",
            ),
            Step(
                "reason",
                N_(
                    "Why this status? A reason for your colleagues, kept in the case file "
                    "(it is not sent to the reporter):"
                ),
                kind=Kind.TEXT,
                skippable=True,
                next="confirm",
            ),
            Step(
                "confirm",
                _confirm_prompt,
                options=(Option("yes", N_("Yes, update")), Option("no", N_("No, cancel"))),
                next=_after_confirm,
            ),
        ),
    ),
    begin=_status_begin,
    complete=_status_complete,
    roles=COORDINATORS,
)
