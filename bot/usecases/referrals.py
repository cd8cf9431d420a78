"""Referral routes: where else a professional can turn, one tap each, each tap logged."""

from __future__ import annotations

from bot.channels.replies import Choice
from bot.conversation.cards import action
from bot.conversation.turn import Turn
from bot.i18n import N_

OFFER = N_(
    "If this is partly something else (safety at home, mental health), or you would like "
    "national advice, you can also turn to:"
)
NONE = N_("Your network has configured no other routes. In immediate danger, call 112.")


def offer_referrals(turn: Turn) -> None:
    """Offer the network's referral routes, one button each (nothing when it has none)."""
    routes = turn.network.referrals
    if not routes:
        return
    lines = [turn.t(OFFER)] + [f"• {r.name}: {r.what_for}" for r in routes]
    choices = tuple(Choice(action("route", r.id), r.name) for r in routes)
    turn.say("\n".join(lines), choices)


def show_referrals(turn: Turn) -> None:
    """The ``/routes`` command: the network's referral routes, or that it has none."""
    if not turn.network.referrals:
        turn.say(turn.t(NONE))
        return
    offer_referrals(turn)


async def open_referral(turn: Turn, referral_id: str) -> None:
    """A route tapped: show how to reach it, and log the tap (the route only, no content)."""
    route = turn.network.referral(referral_id)
    if route is None:
        turn.say(turn.t(N_("That button is no longer valid.")))
        return
    await turn.log("referral", route.id[:32])
    turn.say(f"{route.name}\n{route.what_for}\n{route.contact}")
