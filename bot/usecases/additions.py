"""A reporter adds to a concern they shared, or writes to its coordinator, at any time (also
after it was closed); the coordinator is told without the content, and reads it in the details."""

from __future__ import annotations

from bot.channels.replies import Choice
from bot.conversation import feed
from bot.conversation.cards import action
from bot.conversation.turn import Turn
from bot.domain.model import Concern
from bot.domain.reference import normalise_reference
from bot.i18n import N_, Translate

ADDITION = "addition"
MESSAGE = "message"
TOLD = {
    ADDITION: N_("New information on {reference} from the reporter. Open the details to read it."),
    MESSAGE: N_("A message about {reference} from the reporter. Open the details to read it."),
}
CLOSED_NOTE = N_(
    "{reference} is closed and its status stays closed; if it needs handling again, the reporter "
    "can share it anew."
)
DONE = {
    ADDITION: N_("Added to {reference}. The coordinator has been told there is new information."),
    MESSAGE: N_("Your message about {reference} was passed on to the coordinator."),
}
CLOSED_DONE = N_(
    "{reference} is closed, so its status stays closed; the coordinator has been told that you "
    "followed it up. If it needs handling again, share it anew with /new."
)


async def own_concern(turn: Turn, reference: str) -> Concern | None:
    """The actor's own concern with this reference; otherwise say so."""
    ref = normalise_reference(reference)
    if not ref:
        turn.say(turn.t(N_("Name the concern, for example /add K7Q-M3X. /status lists yours.")))
        return None
    concern = await turn.uow.concerns.by_reference(ref)
    if concern is None or concern.reporter_id != turn.member_id:
        await turn.log("add_info", "denied")
        turn.say(
            turn.t(N_("You have no concern {reference}. /status lists yours.")).format(
                reference=ref
            )
        )
        return None
    return concern


async def add_to_concern(turn: Turn, reference: str, text: str, kind: str = ADDITION) -> None:
    """Store the reporter's text with the concern (sealed) and tell its coordinators."""
    concern = await own_concern(turn, reference)
    if concern is None or concern.id is None:
        return
    await turn.uow.additions.add(concern.id, turn.member_id, kind, text, turn.now)
    await turn.log("add_info", f"ok:{kind}", concern.reference)

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        said = t(TOLD[kind]).format(reference=concern.reference)
        if not concern.is_open:
            said += " " + t(CLOSED_NOTE).format(reference=concern.reference)
        return said, (Choice(action("details", concern.reference), t(N_("View details"))),)

    coordinators = [m.id for m in await turn.uow.members.coordinators(concern.network_id)]
    for member_id in [concern.assignee_id] if concern.assignee_id else coordinators:
        if member_id is not None:
            await turn.notify(member_id, compose)
    ft = feed.feed_translate(turn)
    feed.post_line(turn, concern, ft(TOLD[kind]).format(reference=concern.reference))
    done = turn.t(DONE[kind]).format(reference=concern.reference)
    if not concern.is_open:
        done += " " + turn.t(CLOSED_DONE).format(reference=concern.reference)
    turn.say(done)


ABOUT_SLOT = "about:"
"""Where a message to the reporter about a concern lands: ``about:<reference>``."""


async def replied_concern(turn: Turn, message_id: str) -> str | None:
    """The reference of the actor's concern that the replied-to bot message was about."""
    posted = await turn.uow.posted.at(turn.address, message_id)
    if posted is None:
        return None
    kind, _, rest = posted.slot.partition(":")
    key = rest.split(":", 1)[0]
    if kind == "about":
        return key
    if kind == "question" and key.isdigit():
        question = await turn.uow.questions.get(int(key))
        concern = None if question is None else await turn.uow.concerns.by_id(question.concern_id)
        return None if concern is None else concern.reference
    return None
