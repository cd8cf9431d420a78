"""Table definitions (SQLAlchemy Core). Columns ending in ``_enc`` hold sealed text only.

Every table belongs to ``metadata``, which the migrations' autogenerate compares against; the
submodules group the tables by what they keep.
"""

from bot.storage.tables.additions import additions
from bot.storage.tables.casefile import case_events
from bot.storage.tables.columns import Stamp, UtcStamp, metadata
from bot.storage.tables.concerns import (
    access_log,
    concerns,
    questions,
    status_changes,
    trend_notes,
    usefulness,
)
from bot.storage.tables.messaging import outbox, posted_messages, send_budget_holders, send_budgets
from bot.storage.tables.people import dialog_states, identities, invites, members
from bot.storage.tables.runtime import attempts, job_runs, processed_events
from bot.storage.tables.sheet import agreements
from bot.storage.tables.totp import totp_secrets

__all__ = [
    "Stamp",
    "UtcStamp",
    "access_log",
    "additions",
    "agreements",
    "attempts",
    "case_events",
    "concerns",
    "dialog_states",
    "identities",
    "invites",
    "job_runs",
    "members",
    "metadata",
    "outbox",
    "posted_messages",
    "processed_events",
    "questions",
    "send_budget_holders",
    "send_budgets",
    "status_changes",
    "totp_secrets",
    "trend_notes",
    "usefulness",
]
