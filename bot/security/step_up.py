"""Step-up authentication: a code from an authenticator app before a concern's details open
on a channel without a strong login of its own (Telegram; Matrix later).

BIO (the baseline information security of Dutch government) asks two factors for access to
data such as these accounts. A chat app's login is one factor at best, so there a coordinator
enrolls an authenticator app once (``/2fa``) and gives a code when they open details and their
last right code is older than ``[security] step_up_idle_minutes``. Slack (the workspace's own
login) and the terminal (the operator's own OS login) declare ``Capability.OWN_LOGIN`` and are
not asked.

Every action that opens details is wrapped with ``guarded(name)`` (see
``bot.conversation.commands``); a use case that opens details some other way calls
``stepped_up`` itself first. When a code is asked for, the action's name and argument (a
reference or a number, never free text) wait in the ``step_up`` dialog, and run after a
right code."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.channels.protocol import Capability
from bot.conversation.dialog import Answer, Answers, Dialog, Kind, Step, start
from bot.conversation.turn import Turn
from bot.domain.model import Role
from bot.domain.reference import normalise_reference
from bot.i18n import N_, Translate
from bot.security.attempts import locked_text

Action = Callable[[Turn, str], Awaitable[None]]

STEP_UP = "step_up"
"""The dialog that waits for a code, holding the action asked for."""
NOT_ENROLLED = N_(
    "To open a concern's details in this chat app you need a second factor: a code from an "
    "authenticator app on your phone (such as FreeOTP, Google Authenticator or Microsoft "
    "Authenticator). Set it up once with /2fa; it takes a minute."
)
BUSY = N_(
    "Opening the details needs a code from your authenticator app. Finish what you are doing "
    "first, or stop it with /cancel, then press the button again."
)
ASK_CODE = N_(
    "To open this you need a code from your authenticator app (concernbot). "
    "Type the 6 digits it shows now. /cancel stops."
)

_GUARDED: dict[str, Action] = {}


def _ask_prompt(answers: Answers, t: Translate) -> str:
    return t(ASK_CODE)


DIALOG = Dialog(
    name=STEP_UP,
    first="code",
    help=N_("I am waiting for the code from your authenticator app. /cancel stops."),
    cancelled=N_("Nothing was opened."),
    steps=(Step("code", _ask_prompt, kind=Kind.TEXT),),
)


def needs_code(turn: Turn) -> bool:
    """True when the actor's channel has no strong login of its own and their role may open
    details (a reporter's own messages are theirs; forged buttons are refused by the action)."""
    return Capability.OWN_LOGIN not in turn.capabilities and turn.member.role is not Role.REPORTER


async def stepped_up(turn: Turn, action: str = "", argument: str = "") -> bool:
    """True when details may open in this turn; otherwise say why (not enrolled, locked) or
    ask for a code, after which ``action`` (a ``guarded`` name) runs with ``argument``."""
    if not needs_code(turn):
        return True
    record = await turn.uow.totp.get(turn.member_id)
    if record is None or not record.active:
        await turn.log("step_up", "not_enrolled", reference_of(argument))
        turn.say(turn.t(NOT_ENROLLED))
        return False
    idle = timedelta(minutes=turn.settings.security.step_up_idle_minutes)
    if record.verified_at is not None and turn.now - record.verified_at < idle:
        return True
    if record.locked_until is not None and turn.now < record.locked_until:
        await turn.log("step_up", "locked", reference_of(argument))
        turn.say(locked_text(turn, record.locked_until))
        return False
    if await turn.uow.dialogs.load(turn.member_id) is not None:
        await turn.log("step_up", "busy", reference_of(argument))
        turn.say(turn.t(BUSY))
        return False
    await turn.log("step_up", "asked", reference_of(argument))
    await ask(turn, DIALOG, {"_action": action, "_argument": argument})
    return False


async def ask(turn: Turn, dialog: Dialog, answers: dict[str, Answer]) -> None:
    """Begin ``dialog`` with ``answers`` (asking for a code), as the router would."""
    transition = start(dialog, secrets.token_hex(3), turn.t, answers)
    for said in transition.said:
        turn.say(said.text, said.choices, said.nonce)
    assert transition.state is not None
    await turn.uow.dialogs.save(turn.member_id, transition.state, turn.now)


def guarded(name: str) -> Callable[[Action], Action]:
    """Wrap an action that opens a concern's details: it runs only once ``stepped_up``."""

    def wrap(action: Action) -> Action:
        async def run(turn: Turn, argument: str) -> None:
            if await stepped_up(turn, name, argument):
                await action(turn, argument)

        run.__doc__ = action.__doc__
        _GUARDED[name] = run
        return run

    return wrap


async def resume(turn: Turn, answers: Answers) -> None:
    """Run the action that waited for the code (after a right one)."""
    action = _GUARDED.get(str(answers.get("_action", "")))
    if action is not None:
        await action(turn, str(answers.get("_argument", "")))


def reference_of(argument: str) -> str | None:
    """The argument when it looks like a concern reference (for the access log), else None
    (a reply's number)."""
    ref = normalise_reference(argument) if argument else ""
    return ref if len(ref) == 7 and ref[3] == "-" else None
