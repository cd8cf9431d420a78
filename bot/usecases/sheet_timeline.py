"""A concern's timeline for the case sheet, built from what is stored today: the status
history, the questions and answers, the later additions and the case-meeting agreements.

Stands in for the case file's ``timeline_of(uow, concern, t)`` until that is merged; both
return ``list[TimelineEntry]``, which is all the case sheet takes."""

from __future__ import annotations

from bot.domain.model import Concern, Status
from bot.domain.timeline import EntryKind, TimelineEntry
from bot.domain.vocabulary import OUTCOMES, STATUSES, label
from bot.i18n import N_, Translate
from bot.storage.uow import UnitOfWork
from bot.usecases.network import ROLE_NAMES

REPORTER = N_("the reporter")


async def sheet_timeline(uow: UnitOfWork, concern: Concern, t: Translate) -> list[TimelineEntry]:
    """Every event of ``concern``, oldest first, each with who (name and role) and when."""
    names: dict[int, tuple[str, str]] = {}

    async def who(member_id: int | None) -> tuple[str, str]:
        if member_id is None or member_id == concern.reporter_id:
            return t(REPORTER), ""
        if member_id not in names:
            member = await uow.members.get(member_id)
            names[member_id] = (
                (member.display_name, t(ROLE_NAMES[member.role]))
                if member is not None
                else (t(N_("(erased)")), "")
            )
        return names[member_id]

    reporter, _ = await who(None)
    entries = [TimelineEntry(concern.created_at, EntryKind.CREATED, reporter, "")]
    for change in concern.history:
        name, role = await who(change.by_member_id)
        detail = label(STATUSES, change.status, t)
        if change.outcome is not None:
            detail += f", {label(OUTCOMES, change.outcome, t)}"
        kind = EntryKind.ACKNOWLEDGED if change.status is Status.ACKNOWLEDGED else EntryKind.STATUS
        detail = "" if kind is EntryKind.ACKNOWLEDGED else detail  # the kind says it already
        entries.append(TimelineEntry(change.at, kind, name, role, change.note, detail))
    if concern.id is not None:
        for question in await uow.questions.of_concern(concern.id):
            name, role = await who(question.asked_by)
            entries.append(
                TimelineEntry(question.asked_at, EntryKind.QUESTION, name, role, question.question)
            )
            if question.answer is not None and question.answered_at is not None:
                entries.append(
                    TimelineEntry(
                        question.answered_at, EntryKind.ANSWER, reporter, "", question.answer
                    )
                )
        for addition in await uow.additions.of_concern(concern.id):
            entries.append(
                TimelineEntry(addition.at, EntryKind.ADDITION, reporter, "", addition.text)
            )
        for agreement in await uow.agreements.of_concern(concern.id):
            name, role = await who(agreement.author_id)
            entries.append(
                TimelineEntry(agreement.at, EntryKind.AGREED, name, role, agreement.agreed)
            )
    return sorted(entries, key=lambda e: e.at)
