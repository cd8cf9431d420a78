"""/concern casesheet REF in Slack: the case sheet's questions in one modal (Slack has no
step-by-step dialog). The submission goes to the core as the form ``casesheet``, which
refuses anyone but a coordinator of the concern's network (and logs it); the sheet comes back
as the answer, and its file goes to the coordinator's direct message alone."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import input_modal, select_input, text_input
from bot.domain.legal_basis import LEGAL_BASES
from bot.domain.vocabulary import INFORMED
from bot.i18n import N_, Translate
from bot.rendering.casesheet import SECTIONS

CASESHEET = "casesheet"
VERB = "casesheet"
DAY = N_("On which day were they informed? For example 28-11-2026.")


def casesheet_reference(body: dict[str, Any]) -> str | None:
    """The reference of ``/concern casesheet REF``, if that is the command typed."""
    verb, _, rest = str(body.get("text", "")).strip().partition(" ")
    return rest.strip() or None if verb.lower() == VERB else None


async def open_casesheet(client: AsyncWebClient, t: Translate, body: dict[str, Any]) -> bool:
    """Open the case sheet's modal when ``body`` is ``/concern casesheet REF``; True if so."""
    reference = casesheet_reference(body)
    if reference is None:
        return False
    where, url = str(body.get("channel_id", "")), str(body.get("response_url") or "")
    form = casesheet_form(t, reference, where, url)
    await client.views_open(trigger_id=body["trigger_id"], view=form)
    return True


def casesheet_form(t: Translate, reference: str, channel: str, url: str) -> dict[str, Any]:
    """The modal; its metadata carries reference, channel and response URL (as the triage
    forms' do)."""
    sections = [(k, t(v)) for k, v in SECTIONS.items()]
    fields = [
        checkboxes_input("sections", t(N_("What should the case sheet include?")), sections),
        select_input(
            "legal_basis",
            t(N_("Legal basis")),
            [(k, t(v)) for k, v in LEGAL_BASES.items()],
            False,
        ),
        select_input(
            "informed",
            t(N_("Young person or parents informed (empty: as the reporter said when sharing)")),
            [(k, t(v)) for k, v in INFORMED.items()],
            True,
        ),
        text_input(
            "informed_on",
            t(N_("On which day were they informed? For example 28-11-2026.")),
            True,
            20,
        ),
        text_input("agreed", t(N_("What was agreed: who does what, and by when?")), True),
    ]
    title = t(N_("Case sheet"))
    return input_modal(
        CASESHEET, f"{reference}|{channel}|{url}", title, t(N_("Make")), t(N_("Cancel")), fields
    )


def checkboxes_input(block_id: str, label: str, options: list[tuple[str, str]]) -> dict[str, Any]:
    """A required several-choice field: a single-choice field's element, as checkboxes (the
    same options; Slack takes at most 10)."""
    field = select_input(block_id, label, options, False)
    field["element"]["type"] = "checkboxes"
    return field
