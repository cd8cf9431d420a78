"""Knowledge on hand: help, privacy, the network's role division, the working procedure."""

from __future__ import annotations

from bot.channels.protocol import Capability
from bot.conversation.turn import Turn
from bot.domain.model import Role
from bot.i18n import N_

REPORTER_HELP = N_(
    "What I can do:\n"
    "/new – share a concern or ask for advice\n"
    "/advice – ask for advice anonymously, in a few questions\n"
    "/status – your concerns and their status\n"
    "/add REFERENCE – add information to a concern you shared\n"
    "/message REFERENCE – write to the coordinator about a concern\n"
    "/wipe – remove the bot's messages from this chat now (the concern stays)\n"
    "/privacy – what happens with what you share\n"
    "/network – who does what in your network\n"
    "/procedure – your organisation's working procedure\n"
    "/routes – where else you can turn (advice lines, Veilig Thuis, the police)\n"
    "/language – Nederlands or English\n"
    "/settings – removing your messages from the chat after sharing\n"
    "/digest – how often you receive the trend update\n"
    "/mydata – a file with everything stored about you\n"
    "/forgetme – erase your account\n"
    "/back – go back to the previous question\n"
    "/cancel – stop what you are doing\n"
    "/help – this list\n"
    "In immediate danger, call 112."
)
COORDINATOR_HELP = N_(
    "For coordinators:\n"
    "/list – open concerns, overdue first\n"
    "/list mine|unassigned|late|acute|org NAME – only those (combine them: /list mine late)\n"
    "/show REFERENCE – one concern and its actions\n"
    "/invite reporter|coordinator|municipality [organisation] – a single-use invitation\n"
    "/note TEXT – a trend note for the next digest\n"
    "/stats – counts for your network\n"
    "/backup on|off – be alerted when an acute concern is not acknowledged in time\n"
    "/casesheet REFERENCE – a case sheet (PDF) for the case meeting, sent to you alone\n"
    "/erase REFERENCE – erase a concern on request\n"
    "/2fa – set up codes from an authenticator app, asked before details open in a chat "
    "app without a login of its own (/2fa off turns it off)"
)
CASEWORK_HELP = N_(
    "The case file:\n"
    "/casenote REFERENCE [TEXT] – an internal note for colleagues (never sent to the reporter)\n"
    "/assign REFERENCE – hand a concern over to a colleague, with a handover note\n"
    "/reopen REFERENCE – reopen a closed concern, with a reason\n"
    "/link REFERENCE REFERENCE – link two concerns about the same group or event\n"
    "/unlink REFERENCE REFERENCE – undo a link"
)
TRENDS_HELP = N_("/trends [csv] – month by month over the last year, small numbers hidden")
MUNICIPALITY_HELP = N_(
    "For the municipality's adviser (only counts, never a concern):\n"
    "/trends – month by month over the last year, for all networks your municipality directs: "
    "per organisation, kind, setting and area, times to acknowledge and close, usefulness\n"
    "/trends NETWORK – the same for one of those networks\n"
    "/trends csv [NETWORK] – the same as a CSV file\n"
    "/network – who does what in your network\n"
    "/privacy – what happens with what is shared\n"
    "/language – Nederlands or English\n"
    "/mydata – a file with everything stored about you\n"
    "/forgetme – erase your account\n"
    "/cancel – stop what you are doing\n"
    "/help – this list"
)
PRIVACY = N_(
    "What happens with what you share:\n"
    "• Your account is stored encrypted and read only by the coordinators of your network "
    "({network}). Every time one opens it, that is logged.\n"
    "• A coordinator may discuss the concern with partners in the network's case meeting; "
    "your name is passed on only with your consent.\n"
    "• Who can learn that you reported: the coordinator sees your name only if you choose to "
    "show it; otherwise you stay pseudonymous. The young person and the family never learn it "
    "from this bot.\n"
    "• Use no names: an age band and setting are enough.\n"
    "• {chat}\n"
    "• A concern is kept until it is closed, then {retention_days} more days, then deleted.\n"
    "• A coordinator acknowledges your concern within {ack_days} working days at the latest, "
    "sooner when it is urgent, and within {acute_minutes} minutes when someone is in danger.\n"
    "• You hear back in this chat whenever the status changes, and at least every "
    "{feedback_days} days.\n"
    "• With 'advice' you stay anonymous; with 'share' you choose whether your name is shown."
)


NOT_END_TO_END = N_("This chat is not end-to-end encrypted.")
END_TO_END = N_(
    "This chat is end-to-end encrypted: the chat server cannot read it, only your app and the bot."
)


def show_help(turn: Turn) -> None:
    """List the commands the actor can use."""
    t = turn.t
    if turn.member.role is Role.MUNICIPALITY:
        turn.say(t(MUNICIPALITY_HELP))
        return
    text = t(REPORTER_HELP)
    if turn.member.role is Role.COORDINATOR:
        text += "\n\n" + t(COORDINATOR_HELP)
        text += "\n" + t(TRENDS_HELP)
        text += "\n\n" + t(CASEWORK_HELP)
    turn.say(text)


def show_privacy(turn: Turn) -> None:
    """Explain, in plain words, what is stored, who reads it and for how long."""
    deadlines = turn.settings.deadlines_of(turn.member.network_id)
    turn.say(
        turn.t(PRIVACY).format(
            network=turn.network.name,
            chat=turn.t(
                END_TO_END if Capability.END_TO_END in turn.capabilities else NOT_END_TO_END
            ),
            retention_days=turn.network.retention_days,
            ack_days=deadlines.longest_working_days(),
            acute_minutes=deadlines.acute_acknowledge_minutes,
            feedback_days=deadlines.feedback_days,
        )
    )


def show_network(turn: Turn) -> None:
    """Show the network's role division and contacts."""
    t = turn.t
    network = turn.network
    lines = [t(N_("Who does what in {network}:")).format(network=network.name)]
    for role in network.roles:
        contact = f" — {role.contact}" if role.contact else ""
        lines.append(f"• {role.role}: {role.who}{contact}")
    if not network.roles:
        lines.append(t(N_("No role division has been configured yet.")))
    lines.append(t(N_("In immediate danger, call 112.")))
    turn.say("\n".join(lines))


def show_procedure(turn: Turn) -> None:
    """Show the organisation's working procedure and agreements."""
    t = turn.t
    org = turn.organisation
    lines = [t(N_("Working procedure of {organisation}:")).format(organisation=org.name)]
    lines.append(org.procedure or t(N_("No working procedure has been configured yet.")))
    if org.agreements:
        lines += ["", t(N_("Agreements:")), org.agreements]
    turn.say("\n".join(lines))
