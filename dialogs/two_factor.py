"""/2fa: set up (or, with a right code, turn off) the authenticator app for step-up codes,
and the dialog that takes a code before a concern's details open (``bot.security.step_up``).

The secret is shown once, in a message that is deleted from the chat (where the platform
allows it) as soon as the first right code confirms it; only then is it active."""

from __future__ import annotations

import secrets

from bot.channels.parts import Copy
from bot.conversation.dialog import Answer, Answers, Dialog, Kind, Step
from bot.conversation.flows import Flow
from bot.conversation.turn import Turn
from bot.domain.model import Role
from bot.i18n import N_, Translate
from bot.scheduling.jobs.details import removals
from bot.security import step_up
from bot.security.attempts import check_code
from bot.security.codes import grouped, new_secret, provisioning_uri

SLOT = "totp:"
"""The slot of the message that shows a secret (taken back from the chat once confirmed)."""
SET_UP = N_(
    "Set up your second factor for opening concern details in this chat app:\n"
    "1. Open an authenticator app on your phone (such as FreeOTP, Google Authenticator or "
    "Microsoft Authenticator).\n"
    "2. Add an account with this link, or turn it into a QR code on your computer and scan it:\n"
    "{uri}\n"
    "Or type this key by hand (time-based, 6 digits):\n"
    "{key}\n"
    "3. Type the 6-digit code the app shows.\n"
    "Keep the key to yourself. Once the code is right I delete this message from the chat "
    "where the app allows it."
)
ALREADY = N_(
    "Your second factor is already set up. To set up a new phone, first turn it off with "
    "/2fa off (that asks for a code from the old one), or ask your administrator to reset it."
)
NONE = N_("You have no second factor set up. /2fa sets one up.")
ACTIVE = N_(
    "Done: your second factor is active. When you open a concern's details in this chat app, "
    "I ask for a code when your last one is more than {minutes} minutes old."
)
OFF = N_("Your second factor is turned off. Opening details in this chat app now needs /2fa.")


def _prompt(answers: Answers, t: Translate) -> str:
    if answers.get("_mode") == "off":
        return t(N_("To turn your second factor off, type the 6-digit code your app shows now."))
    return t(N_("Type the 6-digit code your authenticator app shows for concernbot."))


DIALOG = Dialog(
    name="two_factor",
    first="code",
    help=N_("I am waiting for the code from your authenticator app. /cancel stops."),
    cancelled=N_("Nothing was changed."),
    steps=(Step("code", _prompt, kind=Kind.TEXT),),
)


async def _begin(turn: Turn, argument: str) -> dict[str, Answer] | None:
    record = await turn.uow.totp.get(turn.member_id)
    active = record is not None and record.active
    if argument.strip().lower() == "off":
        if not active:
            turn.say(turn.t(NONE))
            return None
        return {"_mode": "off"}
    if active:
        turn.say(turn.t(ALREADY))
        return None
    secret = new_secret()
    await turn.uow.totp.begin(turn.member_id, secret, turn.now)
    await turn.log("totp_enrol", "started")
    account = turn.member.display_name or turn.member.pseudonym
    text = turn.t(SET_UP).format(uri=provisioning_uri(secret, account), key=grouped(secret))
    turn.say(text, copy=Copy(f"{SLOT}{secrets.token_hex(4)}"))
    return {"_mode": "enrol"}


async def take_back(turn: Turn) -> None:
    """Delete the messages that showed a secret from the actor's chat, and forget them."""
    copies = await turn.uow.posted.in_chat(turn.address, SLOT)
    turn.replies.extend(removals(copies))
    await turn.uow.posted.forget_in_chat(turn.address, SLOT)


async def _complete(turn: Turn, answers: dict[str, Answer]) -> None:
    record = await turn.uow.totp.get(turn.member_id)
    if record is None:
        turn.say(turn.t(NONE))
        return
    if not await check_code(turn, record, str(answers.get("code", ""))):
        again = await turn.uow.totp.get(turn.member_id)
        if again is not None and again.locked_until is None:
            await step_up.ask(turn, DIALOG, {"_mode": str(answers.get("_mode", "enrol"))})
        return
    if answers.get("_mode") == "off":
        await turn.uow.totp.remove(turn.member_id)
        await turn.log("totp_off", "ok")
        turn.say(turn.t(OFF))
        return
    await take_back(turn)
    await turn.log("totp_enrol", "ok")
    minutes = turn.settings.security.step_up_idle_minutes
    turn.say(turn.t(ACTIVE).format(minutes=minutes))


async def _cancel(turn: Turn, answers: dict[str, Answer]) -> bool:
    """Stopping an enrolment forgets the secret not confirmed and takes its message back."""
    record = await turn.uow.totp.get(turn.member_id)
    if answers.get("_mode") == "enrol" and record is not None and not record.active:
        await turn.uow.totp.remove(turn.member_id)
        await take_back(turn)
        await turn.log("totp_enrol", "cancelled")
    return False


TWO_FACTOR = Flow(
    dialog=DIALOG,
    begin=_begin,
    complete=_complete,
    on_cancel=_cancel,
    roles=(Role.COORDINATOR,),
)


async def _step_up_complete(turn: Turn, answers: dict[str, Answer]) -> None:
    record = await turn.uow.totp.get(turn.member_id)
    if record is None or not record.active:
        turn.say(turn.t(step_up.NOT_ENROLLED))
        return
    opening = step_up.reference_of(str(answers.get("_argument", "")))
    if await check_code(turn, record, str(answers.get("code", "")), opening):
        await step_up.resume(turn, answers)
        return
    again = await turn.uow.totp.get(turn.member_id)
    if again is not None and again.locked_until is None:
        kept = {k: v for k, v in answers.items() if k.startswith("_")}
        await step_up.ask(turn, step_up.DIALOG, kept)


STEP_UP = Flow(dialog=step_up.DIALOG, complete=_step_up_complete)
