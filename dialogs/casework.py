"""Case work dialogs for coordinators: an internal note, a handover to a colleague, reopening."""

from __future__ import annotations

from bot.conversation.dialog import CANCEL, END, Answer, Answers, Dialog, Kind, Option, Step
from bot.conversation.flows import Flow
from bot.conversation.turn import Turn
from bot.domain.model import Role
from bot.i18n import N_, Translate
from bot.usecases.casework import add_case_note, reopen_concern
from bot.usecases.handover import hand_over, may_hand_over
from bot.usecases.triage import load_for_coordinator

COORDINATORS = (Role.COORDINATOR,)
CONFIRM = (Option("yes", N_("Yes")), Option("no", N_("No, cancel")))


def _ref(answers: Answers) -> str:
    return str(answers.get("_reference", ""))


def _after_confirm(answers: Answers) -> str:
    return END if answers.get("confirm") == "yes" else CANCEL


# An internal note: /casenote REF text, or /casenote REF and the text asked for.


async def _note_begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    reference, _, text = argument.strip().partition(" ")
    if not reference:
        turn.say(turn.t(N_("Name the concern, for example /casenote K7Q-M3X.")))
        return None
    if text.strip():
        await add_case_note(turn, reference, text.strip())
        return None
    concern = await load_for_coordinator(turn, reference, "case_note")
    return None if concern is None else {"_reference": concern.reference}


def _note_prompt(answers: Answers, t: Translate) -> str:
    return t(
        N_(
            "Your note for the case file of {reference}. Only coordinators of the network read "
            "it; it is never sent to the reporter."
        )
    ).format(reference=_ref(answers))


async def _note_complete(turn: Turn, answers: dict[str, Answer]) -> None:
    await add_case_note(turn, _ref(answers), str(answers["text"]))


CASE_NOTE = Flow(
    dialog=Dialog(
        name="case_note",
        first="text",
        help=N_("You are writing an internal note for the case file. /cancel stops."),
        cancelled=N_("No note was added."),
        steps=(Step("text", _note_prompt, kind=Kind.TEXT),),
    ),
    begin=_note_begin,
    complete=_note_complete,
    # Open to every role so that a refusal is one of load_for_coordinator's: said and logged.
    roles=(Role.REPORTER, Role.COORDINATOR),
)


# A handover: /assign REF (or "Hand over" on the card) → a colleague → a note → confirm.


async def _handover_begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    found = await may_hand_over(turn, argument.strip())
    if found is None:
        return None
    concern, colleagues = found
    return {
        "_reference": concern.reference,
        "_ids": [str(m.id) for m in colleagues],
        "_names": [m.display_name for m in colleagues],
    }


def _colleague_options(answers: Answers) -> tuple[Option, ...]:
    ids, names = answers.get("_ids", []), answers.get("_names", [])
    return tuple(Option(i, n) for i, n in zip(list(ids), list(names), strict=True))


def _name_of(answers: Answers) -> str:
    ids, names = list(answers.get("_ids", [])), list(answers.get("_names", []))
    chosen = str(answers.get("to", ""))
    return names[ids.index(chosen)] if chosen in ids else ""


def _to_prompt(answers: Answers, t: Translate) -> str:
    return t(N_("Hand {reference} over to which colleague?")).format(reference=_ref(answers))


def _handover_note_prompt(answers: Answers, t: Translate) -> str:
    return t(
        N_(
            "Your handover note for {name}: what they need to know to take {reference} on. It "
            "goes to {name} directly and into the case file, never to the reporter."
        )
    ).format(name=_name_of(answers), reference=_ref(answers))


def _handover_confirm(answers: Answers, t: Translate) -> str:
    return t(N_("Hand {reference} over to {name} with this note?\n{note}")).format(
        reference=_ref(answers), name=_name_of(answers), note=str(answers.get("note", ""))
    )


async def _handover_complete(turn: Turn, answers: dict[str, Answer]) -> None:
    await hand_over(turn, _ref(answers), int(str(answers["to"])), str(answers["note"]))


HANDOVER = Flow(
    dialog=Dialog(
        name="hand_over",
        first="to",
        help=N_("You are handing a concern over to a colleague. /cancel stops; nothing changes."),
        cancelled=N_("Nothing was handed over."),
        steps=(
            Step("to", _to_prompt, options=_colleague_options, next="note"),
            Step("note", _handover_note_prompt, kind=Kind.TEXT, next="confirm"),
            Step("confirm", _handover_confirm, options=CONFIRM, next=_after_confirm),
        ),
    ),
    begin=_handover_begin,
    complete=_handover_complete,
    roles=COORDINATORS,
)


# Reopening: /reopen REF → a reason → confirm.


async def _reopen_begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    reference, _, reason = argument.strip().partition(" ")
    if reason.strip():  # /reopen REF reason: at once (as Slack's /concern reopen needs)
        await reopen_concern(turn, reference, reason.strip())
        return None
    concern = await load_for_coordinator(turn, reference, "reopen")
    if concern is None:
        return None
    if concern.is_open:
        turn.say(turn.t(N_("{reference} is not closed.")).format(reference=concern.reference))
        return None
    return {"_reference": concern.reference}


def _reason_prompt(answers: Answers, t: Translate) -> str:
    return t(
        N_(
            "Why is {reference} reopened? A reason for your colleagues, kept in the case file "
            "(the reporter is only told that it is taken up again):"
        )
    ).format(reference=_ref(answers))


def _reopen_confirm(answers: Answers, t: Translate) -> str:
    return t(N_("Reopen {reference}? It goes back to In analysis.\n{reason}")).format(
        reference=_ref(answers), reason=str(answers.get("reason", ""))
    )


async def _reopen_complete(turn: Turn, answers: dict[str, Answer]) -> None:
    await reopen_concern(turn, _ref(answers), str(answers["reason"]))


REOPEN = Flow(
    dialog=Dialog(
        name="reopen",
        first="reason",
        help=N_("You are reopening a closed concern. /cancel stops; it stays closed."),
        cancelled=N_("The concern stays closed."),
        steps=(
            Step("reason", _reason_prompt, kind=Kind.TEXT, next="confirm"),
            Step("confirm", _reopen_confirm, options=CONFIRM, next=_after_confirm),
        ),
    ),
    begin=_reopen_begin,
    complete=_reopen_complete,
    roles=COORDINATORS,
)
