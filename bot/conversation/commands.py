"""The commands and actions the router answers, each in one table by how it is handled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.conversation.turn import Turn
from bot.usecases import (
    data_rights,
    followup,
    info,
    listing,
    network,
    referrals,
    relay,
    status,
    triage,
    wipe,
)

Action = Callable[[Turn, str], Awaitable[None]]

SIMPLE = {
    "start": info.show_help,
    "help": info.show_help,
    "privacy": info.show_privacy,
    "network": info.show_network,
    "procedure": info.show_procedure,
    "routes": referrals.show_referrals,
}
WITH_ARGS: dict[str, Action] = {
    "show": triage.show_card,
    "invite": network.invite,
    "note": network.add_note,
    "backup": network.set_backup,
    "list": listing.list_open,
}
NO_ARGS: dict[str, Callable[[Turn], Awaitable[None]]] = {
    "status": status.show_status,
    "wipe": wipe.wipe,
    "mydata": data_rights.send_export,
    "stats": network.show_stats,
}
FLOW_COMMANDS = {
    "new": "share_concern",
    "advice": "advice_consult",
    "language": "language",
    "settings": "settings",
    "digest": "digest",
    "forgetme": "forgetme",
}
FLOW_COMMANDS_WITH_ARGS = {"erase": "erase", "add": "add_info", "message": "message_coordinator"}
FLOW_ACTIONS = {
    "ask": "ask_reporter",
    "status": "set_status",
    "answer": "answer_question",
    "add": "add_info",
    "message": "message_coordinator",
    "useful": "usefulness",
}
DIRECT_ACTIONS: dict[str, Action] = {
    "show": triage.show_card,
    "details": triage.view_details,
    "ack": triage.acknowledge,
    "assign": triage.assign_to_self,
    "reply": relay.view_reply,
    "route": referrals.open_referral,
    "still": followup.confirm_still_open,
}


def registered_commands() -> frozenset[str]:
    """Every command the router answers (``/help`` must list each one a role can use)."""
    named = {*SIMPLE, *WITH_ARGS, *NO_ARGS, *FLOW_COMMANDS, *FLOW_COMMANDS_WITH_ARGS}
    return frozenset({*named, "cancel", "back"})
