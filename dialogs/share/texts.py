"""The texts of the share dialog that say what it is for and what happens with an account."""

from __future__ import annotations

from bot.conversation.dialog import Answers, Option
from bot.i18n import N_, Translate

SAFETY = N_(
    "Here you can share a worry about a young person or a group with your network's "
    "coordinators. First: is anyone in immediate danger right now?"
)
DANGER = N_(
    "Continue here when you can: every answer you give is added to the acute alert straight away."
)
CARD = N_(
    "• Stored encrypted, read only by your network's coordinators (each reading is logged); "
    "kept until closed, then {retention_days} more days.\n"
    "• Your name: the coordinator sees it only if you choose; partners in a case meeting "
    "only with your consent; the young person and family never learn it from this bot.\n"
    "• Use no names of others. More: /privacy"
)
ACUTE_CONTACT = N_(
    "Because someone may be in danger, the coordinator must be able to reach you quickly, "
    "so they may contact you through this chat."
)
PER_PART = N_(
    "Which part comes from which source? For example: “the remark in class: I heard it myself; "
    "the video: a colleague showed it to me.”"
)
ADVICE = "advice"
"""The card's choice that hands over to the advice consult (not offered when in danger)."""
SUMMARY_HEAD = N_("Please check your account before it is shared:")
ACUTE_SUMMARY_HEAD = N_(
    "The coordinator already has this account: each answer went to the acute alert as you gave "
    "it. Check it; Share it marks it complete, and a change is passed on too:"
)
FACTS_SO_FAR = N_(
    "This is what you wrote so far:\n\n{facts}\n\nDo you want to add to it or replace it?"
)


def numbers(answers: Answers) -> dict[str, str]:
    """The network's figures the texts mention, as the flow put them in the answers."""
    return {
        k: str(answers.get(f"_{k}", "?")) for k in ("retention_days", "ack_days", "feedback_days")
    }


def danger(answers: Answers) -> bool:
    """Whether the reporter said someone is in immediate danger."""
    return answers.get("safety") == "yes"


def card(answers: Answers, t: Translate) -> str:
    """The one short privacy card, after the call to 112 when someone is in danger."""
    text = t(CARD).format(**numbers(answers))
    return (t(DANGER) + "\n\n" + text) if danger(answers) else text


def card_options(answers: Answers) -> tuple[Option, ...]:
    """Continue, ask for advice instead (unless someone is in danger), or stop."""
    advice = () if danger(answers) else (Option(ADVICE, N_("Ask for advice instead (anonymous)")),)
    return (Option("continue", N_("Understood, continue")), *advice, Option("stop", N_("Stop")))


def identity_prompt(answers: Answers, t: Translate) -> str:
    """Ask about the name; for an acute concern, first say why the reporter will be reachable."""
    ask = t(
        N_(
            "Should the coordinator see your name, or do you stay pseudonymous? "
            "Either way, questions reach you through this chat."
        )
    )
    return (t(ACUTE_CONTACT) + "\n\n" + ask) if danger(answers) else ask


def facts_so_far(answers: Answers, t: Translate) -> str:
    """The facts written so far, and the question whether to add to them or replace them."""
    facts = answers.get("facts") or []
    joined = "\n".join(facts) if isinstance(facts, list) else str(facts)
    return t(FACTS_SO_FAR).format(facts=joined)
