"""A concern's case file, one entry per event: what happened, who did it (name and role), when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EntryKind(StrEnum):
    """What a timeline entry records."""

    CREATED = "created"
    STATUS = "status"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    HANDOVER = "handover"
    QUESTION = "question"
    ANSWER = "answer"
    ADDITION = "addition"
    NOTE = "note"
    REOPENED = "reopened"
    LINKED = "linked"
    UNLINKED = "unlinked"
    USEFULNESS = "usefulness"
    AGREED = "agreed"
    EXPORTED = "exported"


@dataclass(frozen=True)
class TimelineEntry:
    """One event in a concern's case file; ``text`` is the free text (a reason, a note, an
    answer), already unsealed, and never logged; ``who`` and ``role`` name the actor."""

    at: datetime
    kind: EntryKind
    who: str
    role: str
    text: str = ""
    detail: str = ""
    """A short non-free-text value: the new status, the outcome, the linked reference."""
