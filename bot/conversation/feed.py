"""The network's shared alert feed (a Slack channel): one alert per concern, kept up to date,
with a thread of short events. Never free text."""

from __future__ import annotations

import secrets

from bot.channels.events import Address
from bot.channels.parts import Card, Thread
from bot.channels.replies import Choice, Reply
from bot.conversation.cards import card_text, triage_choices
from bot.conversation.home import refresh
from bot.conversation.turn import Turn
from bot.domain.model import Concern
from bot.i18n import N_, Translate, translator


def slot_of(concern: Concern) -> str:
    """The slot under which a concern's alert is posted."""
    return f"alert:{concern.reference}"


async def _alert_text(turn: Turn, concern: Concern) -> str:
    t = translator(turn.settings.bot.default_language)
    assignee = None
    if concern.assignee_id is not None:
        assignee = await turn.uow.members.get(concern.assignee_id)
    head = t(N_("ACUTE concern shared")) if concern.acute else t(N_("New concern shared"))
    zone = turn.settings.bot.timezone
    return head + "\n" + card_text(concern, turn.network, zone, t, assignee)


async def post_alert(turn: Turn, concern: Concern, replace: bool = False) -> None:
    """Post (or, with ``replace``, update in place) the concern's alert in every feed; the
    network's coordinators' home views follow (every change of a concern comes by here)."""
    await refresh(turn, concern.network_id)
    feeds = turn.feeds.get(concern.network_id, ())
    if not feeds:
        return
    t = translator(turn.settings.bot.default_language)
    text = await _alert_text(turn, concern)
    card = Card(slot_of(concern), replaces=replace)
    for address in feeds:
        turn.replies.append(
            Reply(address, text, triage_choices(concern, t), card=card, concern=concern.reference)
        )


def feed_translate(turn: Turn) -> Translate:
    """Translate into the language feeds are written in (the bot's default)."""
    return translator(turn.settings.bot.default_language)


def line_replies(
    feeds: tuple[Address, ...], concern: Concern, text: str, choices: tuple[Choice, ...] = ()
) -> list[Reply]:
    """Short lines (no free text) for the alert's thread in each of ``feeds``."""
    replies = []
    for address in feeds:
        # Each line gets a slot of its own so retention can find and delete it later.
        line_slot = f"{slot_of(concern)}:{secrets.token_hex(4)}"
        replies.append(
            Reply(
                address,
                text,
                choices,
                card=Card(line_slot),
                thread=Thread(slot_of(concern)),
                concern=concern.reference,
            )
        )
    return replies


def post_line(turn: Turn, concern: Concern, text: str, choices: tuple[Choice, ...] = ()) -> None:
    """Add a short line to the alert's thread in every feed of the concern's network."""
    turn.replies.extend(
        line_replies(turn.feeds.get(concern.network_id, ()), concern, text, choices)
    )
