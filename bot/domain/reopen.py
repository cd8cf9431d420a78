"""Reopening a closed concern: back to analysis, the old outcome kept in its history only."""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import DomainError
from bot.domain.model import Concern, Status, StatusChange


def reopen(concern: Concern, by_member_id: int, at: datetime, next_feedback: datetime) -> None:
    """Take a closed concern up again: in analysis, no outcome or closing moment, a new
    feedback deadline; the closing step (with its outcome) stays in the history."""
    if concern.is_open:
        raise DomainError("not_closed")
    concern.status = Status.IN_ANALYSIS
    concern.outcome = None
    concern.closed_at = None
    concern.feedback_due = next_feedback
    concern.history.append(StatusChange(Status.IN_ANALYSIS, at, by_member_id))
