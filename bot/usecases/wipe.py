"""Discreet mode: /wipe takes the bot's messages back from the member's chat; nothing else goes."""

from __future__ import annotations

from bot.conversation.turn import Turn
from bot.i18n import N_
from bot.scheduling.jobs.details import REMOVABLE_FOR
from bot.storage.posted import CHAT_SLOT

WIPED = N_(
    "Done: I removed my messages of the last {hours} hours from this chat. Your concerns stay as "
    "they are; /status shows them."
)
NOTHING = N_(
    "There were no messages of mine from the last {hours} hours left to remove. Your concerns "
    "stay as they are."
)
TOO_OLD = N_(
    "Older messages of mine the chat app no longer lets me remove; delete the chat in your app "
    "to remove those. /wipe again removes this message too."
)


async def wipe(turn: Turn) -> None:
    """Remove every message of the bot's in this chat that the platform still lets it delete."""
    posted = await turn.uow.posted.in_chat(turn.address, CHAT_SLOT)
    cutoff = turn.now - REMOVABLE_FOR
    removable = [p.message_id for p in posted if p.at is None or p.at > cutoff]
    await turn.uow.posted.forget_in_chat(turn.address, CHAT_SLOT)
    if removable:
        turn.remove(removable)
    await turn.log("wipe", f"ok:{len(removable)}")
    t = turn.t
    hours = int(REMOVABLE_FOR.total_seconds() // 3600)
    turn.say(t(WIPED if removable else NOTHING).format(hours=hours) + " " + t(TOO_OLD))
