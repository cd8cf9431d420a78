"""How the answers of a share conversation become the fields of a concern."""

from __future__ import annotations

from typing import Any

from bot.conversation.dialog import Answer
from bot.domain.model import Concern, Mode
from bot.i18n import N_

ACUTE_REFERENCE = "_acute_reference"
"""The dialog answer that holds the reference of the concern alerted at the safety answer."""

SHARED = N_(
    "Thank you. Your concern has been shared.\n"
    "Reference: {reference}\n"
    "What happens next: a coordinator of your network reads it and acknowledges it by "
    "{acknowledge} at the latest. You hear back here, at the latest by {feedback}, and "
    "every time its status changes.\n"
    "Follow it with /status."
)
ASKED = N_(
    "Thank you. Your question went to the coordinators of your network, as an anonymous "
    "consult: they see neither your name nor a pseudonym that links it to anything else you "
    "shared.\n"
    "Reference: {reference}\n"
    "A coordinator picks it up by {acknowledge} at the latest, and the advice comes back here "
    "in this chat, at the latest by {feedback}.\n"
    "Follow it with /status."
)


def _text(answers: dict[str, Answer], key: str) -> str:
    value = answers.get(key, "")
    return "\n".join(value) if isinstance(value, list) else value


def concern_fields(answers: dict[str, Answer]) -> dict[str, Any]:
    """The concern's fields the account decides; an acute concern is shared and reachable."""
    acute = answers.get("safety") == "yes" or bool(answers.get(ACUTE_REFERENCE))
    mode = Mode.SHARE if acute else Mode(str(answers.get("mode", Mode.SHARE)))
    return {
        "mode": mode,
        "subject": str(answers.get("subject", "")),
        "age_band": str(answers.get("age_band", "")),
        "setting": str(answers.get("setting", "")),
        "source": str(answers.get("source", "")),
        "urgency": "acute" if acute else str(answers.get("urgency", "no_rush")),
        "acute": acute,
        "contact_allowed": acute or answers.get("contact") == "yes",
        "identity_shown": answers.get("identity") == "name" and mode is not Mode.ADVICE,
        "actions_taken": tuple(str(a) for a in answers.get("actions_taken") or []),
        "facts": _text(answers, "facts"),
        "interpretation": _text(answers, "interpretation"),
        "counter_signals": _text(answers, "counter_signals"),
        "frequency": str(answers.get("frequency", "unknown")),
        "informed": str(answers.get("informed", "unknown")),
        "question": _text(answers, "question"),
        "sources_detail": _text(answers, "sources_detail"),
        "area": str(answers.get("area", "")),
    }


def confirmation(mode: Mode) -> str:
    """The message id that confirms a stored account: a consult is not called a shared concern."""
    return ASKED if mode is Mode.ADVICE else SHARED


def consult_pseudonym(concern: Concern) -> str:
    """The name a coordinator sees for an advice consult: made from the consult alone, so that
    it links it to no other account of the same reporter."""
    return f"A-{concern.reference}"
