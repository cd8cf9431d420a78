"""The Slack modals the adapter opens and updates: the triage forms, and what a modal of an
erased concern says instead of its details."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.slack.translate import input_modal, select_input, text_input, text_modal
from bot.channels.replies import Choice
from bot.domain.vocabulary import OUTCOMES, STATUSES
from bot.i18n import N_, Translate

VIEW = "view:"  # a recorded copy that is a modal's view id, not a message ts
ERASED = N_("This concern has been erased. Its details are no longer available.")


def shown_slot(reference: str) -> str:
    """The slot under which a coordinator's open modal about ``reference`` is recorded."""
    return f"modal:{reference}"


def erased_modal(t: Translate) -> dict[str, Any]:
    """What a details modal shows once its concern is erased."""
    return text_modal(t(N_("Erased")), t(ERASED), t(N_("Close")))


FORM_VERBS = ("ask", "status", "handover")
"""Presses answered with a modal: the core is asked first (``probe``) whether the press may."""


def probe(verb: str, reference: str) -> str:
    """The action that tells whether a form press may go on (and, for a handover, to whom)."""
    return f"act:{'colleagues' if verb == 'handover' else 'show'}:{reference}"


def triage_form(
    t: Translate,
    verb: str,
    reference: str,
    channel: str,
    url: str,
    choices: Sequence[Choice] = (),
) -> dict[str, Any]:
    """The modal of an ask, status or hand-over press (``choices``: the colleagues); its
    metadata carries reference, channel and URL."""
    metadata = f"{reference}|{channel}|{url}"
    if verb == "handover":
        fields = [
            select_input("to", t(N_("Hand over to")), [(c.id, c.label) for c in choices], False),
            text_input("note", t(N_("Handover note (to that colleague and the case file)")), False),
        ]
        return input_modal(
            "handover", metadata, t(N_("Hand over")), t(N_("Hand over")), t(N_("Cancel")), fields
        )
    if verb == "ask":
        fields = [text_input("question", t(N_("Your question for the reporter")), False)]
        return input_modal(
            "ask", metadata, t(N_("Ask the reporter")), t(N_("Send")), t(N_("Cancel")), fields
        )
    statuses = [(k, t(v)) for k, v in STATUSES.items() if k != "received"]
    outcomes = [(k, t(v)) for k, v in OUTCOMES.items()]
    fields = [
        select_input("status", t(N_("New status")), statuses, False),
        select_input("outcome", t(N_("Outcome (when closing)")), outcomes, True),
        text_input("note", t(N_("Feedback note for the reporter (sent to them)")), True),
        text_input("reason", t(N_("Reason for colleagues (case file only, not sent)")), True),
    ]
    return input_modal(
        "status", metadata, t(N_("Update status")), t(N_("Save")), t(N_("Cancel")), fields
    )
