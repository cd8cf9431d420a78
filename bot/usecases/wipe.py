"""Discreet mode: /wipe takes the bot's messages back from the member's chat; nothing else goes."""

from __future__ import annotations

from bot.channels.protocol import Capability
from bot.conversation.turn import Turn
from bot.i18n import N_
from bot.scheduling.jobs.details import REMOVABLE_FOR
from bot.scheduling.jobs.retention import CHAT_KEEP
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
WIPED_KNOWN = N_(
    "Done: I removed my messages of the last {days} days from this chat. Your concerns stay as "
    "they are; /status shows them."
)
NOTHING_KNOWN = N_(
    "There were no messages of mine from the last {days} days left to remove. Your concerns "
    "stay as they are."
)
FORGOTTEN = N_(
    "I keep no list of my older messages; delete the chat in your app to remove those. /wipe "
    "again removes this message too."
)


async def wipe(turn: Turn) -> None:
    """Remove every message of the bot's in this chat that the platform still lets it delete."""
    posted = await turn.uow.posted.in_chat(turn.address, CHAT_SLOT)
    # A chat app that removes messages at any age (Matrix) gets every one still on record.
    any_age = Capability.REMOVES_ANY_AGE in turn.capabilities
    cutoff = turn.now - REMOVABLE_FOR
    removable = [p.message_id for p in posted if any_age or p.at is None or p.at > cutoff]
    await turn.uow.posted.forget_in_chat(turn.address, CHAT_SLOT)
    if removable:
        turn.remove(removable)
    await turn.log("wipe", f"ok:{len(removable)}")
    t = turn.t
    if any_age:
        said = t(WIPED_KNOWN if removable else NOTHING_KNOWN).format(days=CHAT_KEEP.days)
        turn.say(said + " " + t(FORGOTTEN))
        return
    hours = int(REMOVABLE_FOR.total_seconds() // 3600)
    turn.say(t(WIPED if removable else NOTHING).format(hours=hours) + " " + t(TOO_OLD))
