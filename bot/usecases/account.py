"""How the answers of a share conversation become the fields of a concern."""

from __future__ import annotations

from typing import Any

from bot.conversation.dialog import Answer
from bot.domain.model import Mode


def _text(answers: dict[str, Answer], key: str) -> str:
    value = answers.get(key, "")
    return "\n".join(value) if isinstance(value, list) else value


def concern_fields(answers: dict[str, Answer]) -> dict[str, Any]:
    """The concern's fields the account decides; an acute concern is shared and reachable."""
    acute = answers.get("safety") == "yes"
    mode = Mode.SHARE if acute else Mode(str(answers["mode"]))
    return {
        "mode": mode,
        "subject": str(answers["subject"]),
        "age_band": str(answers["age_band"]),
        "setting": str(answers["setting"]),
        "source": str(answers["source"]),
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
    }
