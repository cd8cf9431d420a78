"""How a concern and its status changes map to table rows; free-text fields sealed per column."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping

from bot.domain.clock import as_utc
from bot.domain.model import Concern, Mode, Outcome, Status, StatusChange
from bot.storage.crypto import Cipher

SEALED = ("facts", "interpretation", "counter_signals")
OPTIONAL_SEALED = ("question", "sources_detail")
"""Sealed text added later: NULL in rows stored before, read back as empty."""
NOTE = "status_changes.note"
"""The sealing context of a status change's note."""


def new_concern_values(concern: Concern, cipher: Cipher) -> dict[str, object]:
    """The row of a concern not stored yet: what never changes, sealed text, and the rest."""
    values = changing_values(concern)
    values.update(
        reference=concern.reference,
        network_id=concern.network_id,
        organisation_id=concern.organisation_id,
        reporter_id=concern.reporter_id,
        urgency=concern.urgency,
        acute=concern.acute,
        created_at=concern.created_at,
        **account_values(concern, cipher),
    )
    return values


def account_values(concern: Concern, cipher: Cipher) -> dict[str, object]:
    """The columns of the reporter's account, free text sealed."""
    return dict(
        mode=concern.mode.value,
        subject=concern.subject,
        age_band=concern.age_band,
        setting=concern.setting,
        source=concern.source,
        contact_allowed=concern.contact_allowed,
        identity_shown=concern.identity_shown,
        actions_taken=",".join(concern.actions_taken),
        frequency=concern.frequency,
        informed=concern.informed,
        area=concern.area or None,
        **{
            f"{k}_enc": cipher.seal(getattr(concern, k), f"concerns.{k}")
            for k in (*SEALED, *OPTIONAL_SEALED)
        },
    )


def changing_values(concern: Concern) -> dict[str, object]:
    """The columns use cases may change: status, assignment, deadlines."""
    return {
        "status": concern.status.value,
        "outcome": None if concern.outcome is None else concern.outcome.value,
        "assignee_id": concern.assignee_id,
        "acknowledged_by": concern.acknowledged_by,
        "acknowledged_at": concern.acknowledged_at,
        "acknowledge_due": concern.acknowledge_due,
        "feedback_due": concern.feedback_due,
        "last_feedback_at": concern.last_feedback_at,
        "closed_at": concern.closed_at,
    }


def status_change_values(concern_id: int, change: StatusChange, cipher: Cipher) -> dict[str, Any]:
    """The row of one status change, its note sealed."""
    return {
        "concern_id": concern_id,
        "status": change.status.value,
        "outcome": None if change.outcome is None else change.outcome.value,
        "note_enc": cipher.seal(change.note, NOTE),
        "by_member_id": change.by_member_id,
        "at": change.at,
    }


def status_change(row: Any, cipher: Cipher) -> StatusChange:
    """A status change read back from its row."""
    return StatusChange(
        status=Status(row.status),
        at=as_utc(row.at),
        by_member_id=row.by_member_id,
        outcome=None if row.outcome is None else Outcome(row.outcome),
        note=cipher.open(row.note_enc, NOTE),
    )


def concern(row: RowMapping, history: list[StatusChange], cipher: Cipher) -> Concern:
    """A concern read back from its row, with its status history."""
    return Concern(
        id=row["id"],
        reference=row["reference"],
        network_id=row["network_id"],
        organisation_id=row["organisation_id"],
        reporter_id=row["reporter_id"],
        mode=Mode(row["mode"]),
        subject=row["subject"],
        age_band=row["age_band"],
        setting=row["setting"],
        source=row["source"],
        urgency=row["urgency"],
        acute=bool(row["acute"]),
        contact_allowed=bool(row["contact_allowed"]),
        identity_shown=bool(row["identity_shown"]),
        actions_taken=tuple(a for a in row["actions_taken"].split(",") if a),
        created_at=as_utc(row["created_at"]),
        acknowledge_due=as_utc(row["acknowledge_due"]),
        feedback_due=as_utc(row["feedback_due"]),
        status=Status(row["status"]),
        outcome=None if row["outcome"] is None else Outcome(row["outcome"]),
        assignee_id=row["assignee_id"],
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=_maybe(row["acknowledged_at"]),
        last_feedback_at=_maybe(row["last_feedback_at"]),
        closed_at=_maybe(row["closed_at"]),
        history=history,
        frequency=row["frequency"],
        informed=row["informed"],
        area=row["area"] or "",
        **{k: cipher.open(row[f"{k}_enc"], f"concerns.{k}") for k in SEALED},
        **{
            k: "" if row[f"{k}_enc"] is None else cipher.open(row[f"{k}_enc"], f"concerns.{k}")
            for k in OPTIONAL_SEALED
        },
    )


def _maybe(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)
