"""The commands and actions the router answers, each in one table by how it is handled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.conversation.turn import Turn
from bot.security.step_up import guarded
from bot.usecases import (
    casework,
    data_rights,
    followup,
    handover,
    info,
    listing,
    network,
    referrals,
    relay,
    status,
    trends,
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
    "link": casework.link_concerns,
    "unlink": casework.unlink_concerns,
    "trends": trends.show_trends,
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
FLOW_COMMANDS_WITH_ARGS = {
    "erase": "erase",
    "add": "add_info",
    "message": "message_coordinator",
    "casenote": "case_note",
    "assign": "hand_over",
    "reopen": "reopen",
    "2fa": "two_factor",
    "casesheet": "casesheet",
}
FLOW_ACTIONS = {
    "ask": "ask_reporter",
    "status": "set_status",
    "answer": "answer_question",
    "add": "add_info",
    "message": "message_coordinator",
    "useful": "usefulness",
    "handover": "hand_over",
}
DIRECT_ACTIONS: dict[str, Action] = {
    "show": triage.show_card,
    # Details open only after a step-up code where the channel has no login of its own.
    "details": guarded("details")(triage.view_details),
    "ack": triage.acknowledge,
    "assign": triage.assign_to_self,
    "reply": guarded("reply")(relay.view_reply),
    "route": referrals.open_referral,
    "still": followup.confirm_still_open,
    "colleagues": handover.offer_colleagues,
}


def registered_commands() -> frozenset[str]:
    """Every command the router answers (``/help`` must list each one a role can use)."""
    named = {*SIMPLE, *WITH_ARGS, *NO_ARGS, *FLOW_COMMANDS, *FLOW_COMMANDS_WITH_ARGS}
    return frozenset({*named, "cancel", "back"})
