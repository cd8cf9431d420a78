"""Checking a code a member typed: right once, wrong counted, locked after too many.

Every outcome writes an access-log row (``totp_code``: ``ok``, ``wrong``, ``replay``,
``lockout``, ``locked``); the code itself is never kept or logged."""

from __future__ import annotations

from datetime import datetime

from bot.conversation.turn import Turn
from bot.i18n import N_, for_people
from bot.security.codes import LOCK_AFTER, LOCK_FOR, accepted_step, is_replay
from bot.storage.totp import TotpRecord

WRONG = N_("That code is not right. Check the time on your phone and try again ({left} left).")
USED = N_("That code was already used. Wait for the next one and type that ({left} left).")
LOCKED = N_(
    "Too many wrong codes. To protect the data, codes are not accepted until {time}. "
    "Lost your phone? Ask your administrator to reset your second factor."
)


def locked_text(turn: Turn, until: datetime) -> str:
    """Why no code is taken now, and from when it is again."""
    return turn.t(LOCKED).format(time=for_people(until, turn.settings.bot.timezone, turn.t))


async def check_code(
    turn: Turn, record: TotpRecord, code: str, reference: str | None = None
) -> bool:
    """True when ``code`` is right and new; otherwise say why, count it, log it (with the
    ``reference`` of the concern it was to open, if any)."""
    member, now = record.member_id, turn.now
    if record.locked_until is not None and now < record.locked_until:
        await turn.log("totp_code", "locked", reference)
        turn.say(locked_text(turn, record.locked_until))
        return False
    step = accepted_step(record.secret, code, now, record.last_step)
    if step is not None:
        await turn.uow.totp.accepted(member, step, now)
        await turn.log("totp_code", "ok", reference)
        return True
    # A lock that ran out starts the count afresh.
    failures = (0 if record.locked_until is not None else record.failures) + 1
    if failures >= LOCK_AFTER:
        until = now + LOCK_FOR
        await turn.uow.totp.set_failures(member, 0, until)
        await turn.log("totp_code", "lockout", reference)
        turn.say(locked_text(turn, until))
        return False
    await turn.uow.totp.set_failures(member, failures, None)
    replay = is_replay(record.secret, code, now, record.last_step)
    await turn.log("totp_code", "replay" if replay else "wrong", reference)
    turn.say(turn.t(USED if replay else WRONG).format(left=LOCK_AFTER - failures))
    return False
