"""Before a feedback deadline: the coordinator confirms that a concern is still being worked on."""

from __future__ import annotations

from bot.channels.replies import Choice
from bot.conversation import feed
from bot.conversation.cards import when
from bot.conversation.home import refresh
from bot.conversation.turn import Turn
from bot.domain.deadlines import feedback_due
from bot.i18n import N_, Translate
from bot.usecases.triage import load_for_coordinator

CONFIRMED_OPEN = N_(
    "The coordinator confirms that your concern {reference} is still being worked on. You hear "
    "more here as soon as there is news, and at the latest by {due}."
)


async def confirm_still_open(turn: Turn, reference: str) -> None:
    """The coordinator confirms the concern is still being worked on; the reporter hears so."""
    concern = await load_for_coordinator(turn, reference, "confirm_open")
    if concern is None:
        return
    if not concern.is_open:
        turn.say(turn.t(N_("{reference} is closed.")).format(reference=concern.reference))
        return
    concern.note_feedback(turn.now, feedback_due(turn.now, turn.settings.deadlines))
    await turn.uow.concerns.save(concern)
    await turn.log("confirm_open", "ok", concern.reference)
    await refresh(turn, concern.network_id)  # the next deadline moved
    zone = turn.settings.bot.timezone

    def compose(t: Translate) -> tuple[str, tuple[Choice, ...]]:
        due = when(concern.feedback_due, zone, t)
        return t(CONFIRMED_OPEN).format(reference=concern.reference, due=due), ()

    await turn.notify(concern.reporter_id, compose)
    feed.post_line(
        turn,
        concern,
        feed.feed_translate(turn)(N_("Confirmed as still being worked on by {name}.")).format(
            name=turn.member.display_name
        ),
    )
    turn.say(
        turn.t(
            N_(
                "Thank you. The reporter of {reference} has been told that it is still being "
                "worked on; the next news is due by {due}."
            )
        ).format(reference=concern.reference, due=when(concern.feedback_due, zone, turn.t))
    )
