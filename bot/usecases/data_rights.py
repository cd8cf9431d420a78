"""Data rights: a member's export, erasure of their account, erasure of a concern on request."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.channels.parts import Attachment
from bot.conversation.home import refresh
from bot.conversation.turn import Turn
from bot.domain.model import AccessLogEntry, Concern, Status
from bot.i18n import N_, N_plural, ngettext
from bot.scheduling.jobs.details import REMOVABLE_FOR, removals, unremovable
from bot.scheduling.jobs.retention import ERASED_ON_REQUEST, erased_notice
from bot.storage.uow import UnitOfWork
from bot.usecases.triage import load_for_coordinator

ERASED_NAME = ""
STALE_COPIES = N_plural(
    "The bot could not delete the copy of the account that a coordinator opened in "
    "their chat more than {hours} hours ago: the chat app no longer allows it. Ask them to "
    "delete that message themselves.",
    "The bot could not delete {count} copies of the account that coordinators opened in "
    "their chat more than {hours} hours ago: the chat app no longer allows it. Ask them to "
    "delete those messages themselves.",
)


def _concern_record(concern: Concern) -> dict[str, Any]:
    return {
        "reference": concern.reference,
        "shared_at": concern.created_at.isoformat(),
        "mode": concern.mode.value,
        "about": concern.subject,
        "age_band": concern.age_band,
        "setting": concern.setting,
        "source": concern.source,
        "urgency": concern.urgency,
        "facts": concern.facts,
        "interpretation": concern.interpretation,
        "signals_other_way": concern.counter_signals,
        "question_for_advice": concern.question,
        "source_per_part": concern.sources_detail,
        "already_done": list(concern.actions_taken),
        "how_often": concern.frequency,
        "young_person_or_parents_know": concern.informed,
        "contact_allowed": concern.contact_allowed,
        "name_shown": concern.identity_shown,
        "status": concern.status.value,
        "outcome": None if concern.outcome is None else concern.outcome.value,
        "history": [
            {
                "status": c.status.value,
                "at": c.at.isoformat(),
                "note_for_you": c.note,
                "outcome": None if c.outcome is None else c.outcome.value,
            }
            for c in concern.history
        ],
    }


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


async def export_member(
    uow: UnitOfWork, member_id: int, now: datetime, on_behalf_of: str
) -> dict[str, Any] | None:
    """Everything stored about a member, as a JSON-ready dict; the export is logged."""
    member = await uow.members.get(member_id)
    if member is None:
        return None
    address = await uow.members.address_of(member_id)
    concerns = await uow.concerns.of_reporter(member_id)
    questions = []
    added = []
    for concern in concerns:
        assert concern.id is not None
        for addition in await uow.additions.of_concern(concern.id):
            added.append(
                {
                    "concern": concern.reference,
                    "kind": addition.kind,
                    "at": addition.at.isoformat(),
                    "text": addition.text,
                }
            )
        for question in await uow.questions.of_concern(concern.id):
            questions.append(
                {
                    "concern": concern.reference,
                    "question": question.question,
                    "asked_at": question.asked_at.isoformat(),
                    "your_answer": question.answer,
                }
            )
    access = await uow.access_log.entries(member_id=member_id)
    totp = await uow.totp.get(member_id)  # when, not the secret: that is a credential
    await uow.access_log.add(
        AccessLogEntry(
            at=now,
            actor_member_id=member_id if on_behalf_of == "self" else None,
            action="export",
            outcome="ok",
            subject_member_id=member_id,
            on_behalf_of=on_behalf_of,
        )
    )
    return {
        "exported_at": now.isoformat(),
        "member": {
            "id": member.id,
            "name": member.display_name,
            "pseudonym": member.pseudonym,
            "network": member.network_id,
            "organisation": member.organisation_id,
            "role": member.role.value,
            "language": member.language,
            "enrolled_at": member.created_at.isoformat(),
            "channel": None if address is None else address.channel,
            "remove_messages_after_sharing": member.remove_messages,
            "digest": member.digest,
            "second_factor_since": _when(None if totp is None else totp.confirmed_at),
            "second_factor_last_code_at": _when(None if totp is None else totp.verified_at),
        },
        "concerns_shared": [_concern_record(c) for c in concerns],
        "questions_to_you": questions,
        "added_later": added,
        "access_log_about_you": [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "outcome": e.outcome,
                "concern": e.concern_reference,
            }
            for e in access
        ],
    }


async def send_export(turn: Turn) -> None:
    """/mydata: the member's export as a file in their own chat."""
    data = await export_member(turn.uow, turn.member_id, turn.now, on_behalf_of="self")
    assert data is not None
    name = f"concernbot-{turn.member.pseudonym}-{turn.now:%Y%m%d}.json"
    turn.say(
        turn.t(N_("Everything stored about you is in this file. Keep it safe.")),
        attachment=Attachment.text(
            name, json.dumps(data, ensure_ascii=False, indent=2), "application/json"
        ),
    )


async def forget_member(turn: Turn) -> None:
    """Erase the member's account and contact details; open cases keep a pseudonym only."""
    member_id = turn.member_id
    await turn.uow.dialogs.clear(member_id)
    for concern in await turn.uow.concerns.of_reporter(member_id):
        if concern.status is not Status.CLOSED and (
            concern.identity_shown or concern.contact_allowed
        ):
            concern.identity_shown = False
            concern.contact_allowed = False
            await turn.uow.concerns.save_reporter_preferences(concern)
    await turn.uow.members.erase(member_id, turn.member.pseudonym)
    await turn.log("erase_member", "ok", subject_member_id=member_id)
    turn.say(
        turn.t(
            N_(
                "Done. Your account and contact details are erased. Concerns you shared "
                "stay with the network under a pseudonym until their retention ends; nobody "
                "can reach you through them. To use the bot again you need a new invitation."
            )
        )
    )


async def erase_concern(turn: Turn, reference: str) -> None:
    """A coordinator erases a concern on request, with every copy the bot posted."""
    concern = await load_for_coordinator(turn, reference, "delete")
    if concern is None or concern.id is None:
        return
    copies = await turn.uow.posted.of_concern(concern.reference)
    turn.replies.extend(removals(copies))
    await turn.uow.posted.forget_concern(concern.reference)
    await turn.uow.concerns.delete(concern.id)
    await turn.log("delete", "ok:on_request", concern.reference)
    await refresh(turn, concern.network_id)
    if concern.reporter_id is not None:
        await turn.notify(concern.reporter_id, erased_notice(ERASED_ON_REQUEST, concern.reference))
    done = turn.t(N_("{reference} and everything stored with it have been erased.")).format(
        reference=concern.reference
    )
    stale = unremovable(copies, turn.now)
    if stale:
        hours = int(REMOVABLE_FOR.total_seconds() // 3600)
        done += " " + ngettext(turn.t, STALE_COPIES, stale).format(count=stale, hours=hours)
    turn.say(done)
