"""/casesheet REF: a coordinator prepares the case sheet of a concern for the case meeting
(casusoverleg): what it includes, the legal basis, whether the young person or the parents
were informed (and when), and what was agreed. Completing it sends the sheet (PDF and text)
to that coordinator alone (see ``bot.usecases.casesheet``)."""

from __future__ import annotations

from bot.conversation.dialog import END, Answer, Answers, Dialog, Kind, Option, Step
from bot.conversation.flows import Flow
from bot.conversation.turn import Turn
from bot.domain.legal_basis import LEGAL_BASES
from bot.domain.model import Role
from bot.domain.vocabulary import INFORMED, label
from bot.i18n import N_, Translate
from bot.rendering.casesheet import AGREED, SECTIONS
from bot.security import step_up
from bot.usecases.casesheet import EXPORT, SheetRequest, export_casesheet, parse_day
from bot.usecases.triage import load_for_coordinator

UNREADABLE_DAY = N_("The day you gave could not be read, so the sheet shows none.")


def _ref(answers: Answers) -> str:
    return str(answers.get("_reference", ""))


def _sections_prompt(answers: Answers, t: Translate) -> str:
    return t(
        N_(
            "Case sheet for {reference}, for the case meeting. What should it include? Pick "
            "all that apply, then choose Done."
        )
    ).format(reference=_ref(answers))


def _informed_prompt(answers: Answers, t: Translate) -> str:
    return t(
        N_(
            "Were the young person or the parents informed? When sharing, the reporter said: "
            "{recorded}. Confirm it or choose what holds now:"
        )
    ).format(recorded=label(INFORMED, str(answers.get("_informed", "unknown")), t))


def _sections(answers: Answers) -> frozenset[str]:
    picked = answers.get("sections") or []
    return frozenset(picked if isinstance(picked, list) else [picked])


def _after_informed(answers: Answers) -> str:
    return "informed_on" if answers.get("informed") == "yes" else _to_agreed(answers)


def _to_agreed(answers: Answers) -> str:
    return "agreed" if AGREED in _sections(answers) else END


async def _begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    # The sheet holds the account: outside a channel with its own login, a code first (after
    # a right one, ``_after_code`` begins these questions).
    if not await step_up.stepped_up(turn, "casesheet", argument):
        return None
    return await _initial(turn, argument)


async def _initial(turn: Turn, argument: str) -> dict[str, Answer] | None:
    # Anyone may ask; only a coordinator of the concern's network gets past this (and every
    # refusal is in the access log, as the export itself is).
    concern = await load_for_coordinator(turn, argument, EXPORT)
    if concern is None:
        return None
    return {"_reference": concern.reference, "_informed": concern.informed}


async def _complete(turn: Turn, answers: dict[str, Answer]) -> None:
    day_given = str(answers.get("informed_on") or "").strip()
    day = parse_day(day_given) if day_given else None
    request = SheetRequest(
        sections=_sections(answers),
        legal_basis=str(answers["legal_basis"]),
        informed=str(answers["informed"]),
        informed_on=day,
        agreed=str(answers.get("agreed") or "").strip(),
    )
    await export_casesheet(turn, _ref(answers), request)
    if day_given and day is None:
        turn.say(turn.t(UNREADABLE_DAY))


CASESHEET = Flow(
    dialog=Dialog(
        name="casesheet",
        first="sections",
        help=N_(
            "You are preparing a case sheet for the case meeting. It is sent to you alone. "
            "/cancel stops without making one."
        ),
        cancelled=N_("No case sheet was made."),
        steps=(
            Step(
                "sections",
                _sections_prompt,
                kind=Kind.MULTI,
                options=tuple(Option(k, v) for k, v in SECTIONS.items()),
                next="legal_basis",
            ),
            Step(
                "legal_basis",
                N_("On which legal basis is this concern discussed in the case meeting?"),
                options=tuple(Option(k, v) for k, v in LEGAL_BASES.items()),
                next="informed",
            ),
            Step(
                "informed",
                _informed_prompt,
                options=tuple(Option(k, v) for k, v in INFORMED.items()),
                next=_after_informed,
            ),
            Step(
                "informed_on",
                N_("On which day were they informed? For example 28-11-2026."),
                kind=Kind.TEXT,
                skippable=True,
                next=_to_agreed,
            ),
            Step(
                "agreed",
                N_(
                    "What was agreed in the case meeting: who does what, and by when? It is "
                    "stored sealed and shown only on the case sheet."
                ),
                kind=Kind.TEXT,
                next=END,
            ),
        ),
    ),
    begin=_begin,
    complete=_complete,
    roles=tuple(Role),
)


@step_up.guarded("casesheet")
async def _after_code(turn: Turn, argument: str) -> None:
    """Begin the case sheet's questions once the code was right."""
    initial = await _initial(turn, argument)
    if initial is not None:
        await step_up.ask(turn, CASESHEET.dialog, initial)
