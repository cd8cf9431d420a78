"""A concern's case file: one timeline of everything that happened to it, with who and when."""

from __future__ import annotations

from datetime import datetime

from bot.conversation.cards import when
from bot.domain.model import Concern, Member, Mode, Network, Role, Status, StatusChange
from bot.domain.timeline import EntryKind, TimelineEntry
from bot.domain.vocabulary import OUTCOMES, STATUSES, label
from bot.i18n import N_, Translate
from bot.storage.case_events import CaseEvent
from bot.storage.uow import UnitOfWork
from bot.usecases.account import consult_pseudonym
from bot.usecases.additions import ADDITION
from bot.usecases.network import ROLE_NAMES

ERASED = N_("(erased)")
USEFUL_LABELS = {"yes": N_("Yes"), "partly": N_("Partly"), "no": N_("No")}
HEADS = {
    EntryKind.CREATED: N_("Shared"),
    EntryKind.STATUS: N_("Status"),
    EntryKind.ACKNOWLEDGED: N_("Acknowledged"),
    EntryKind.ASSIGNED: N_("Assigned"),
    EntryKind.HANDOVER: N_("Handed over"),
    EntryKind.QUESTION: N_("Question to the reporter"),
    EntryKind.ANSWER: N_("Answer of the reporter"),
    EntryKind.ADDITION: N_("Added by the reporter"),
    EntryKind.NOTE: N_("Internal note"),
    EntryKind.REOPENED: N_("Reopened"),
    EntryKind.LINKED: N_("Linked to"),
    EntryKind.UNLINKED: N_("No longer linked to"),
    EntryKind.USEFULNESS: N_("Was sharing useful?"),
    EntryKind.AGREED: N_("Agreed"),
    EntryKind.EXPORTED: N_("Exported"),
}
REASON = N_("Reason (for colleagues)")
FEEDBACK = N_("Feedback to the reporter")


def reporter_label(
    concern: Concern, reporter: Member | None, network: Network | None, t: Translate
) -> str:
    """The reporter as the details view names them: the pseudonym, or their name (and
    organisation) when they chose to show it, a consult's own pseudonym, "(erased)" when gone."""
    if reporter is None:
        return t(ERASED)
    if concern.mode is Mode.ADVICE:
        return consult_pseudonym(concern)  # not the member's pseudonym: no link to their shares
    if not concern.identity_shown:
        return reporter.pseudonym
    if network is None:
        return reporter.display_name
    return f"{reporter.display_name} ({network.organisation(reporter.organisation_id).name})"


class _Names:
    """Who each member id is, as the timeline shows them (looked up once each)."""

    def __init__(self, uow: UnitOfWork, concern: Concern, network: Network | None, t: Translate):
        self._uow, self._concern, self._network, self._t = uow, concern, network, t
        self._known: dict[int | None, tuple[str, str]] = {None: ("", "")}

    async def of(self, member_id: int | None) -> tuple[str, str]:
        """Name and role of ``member_id``."""
        if member_id not in self._known:
            assert member_id is not None
            member = await self._uow.members.get(member_id)
            t = self._t
            if member_id == self._concern.reporter_id:
                name = reporter_label(self._concern, member, self._network, t)
                self._known[member_id] = (name, t(ROLE_NAMES[Role.REPORTER]))
            elif member is None:
                self._known[member_id] = (t(ERASED), "")
            else:
                self._known[member_id] = (member.display_name, t(ROLE_NAMES[member.role]))
        return self._known[member_id]


async def timeline_of(
    uow: UnitOfWork, concern: Concern, t: Translate, network: Network | None = None
) -> list[TimelineEntry]:
    """Every event of the concern, oldest first, each with who (name and role) and when; the
    free text unsealed (for the audited details view and the case sheet only)."""
    assert concern.id is not None
    names = _Names(uow, concern, network, t)
    events = await uow.case_events.of_concern(concern.id)
    entries = [_entry(concern.created_at, EntryKind.CREATED, await names.of(concern.reporter_id))]
    entries += await _status_entries(concern.history, events, names, t)
    for event in events:
        entries += await _event_entries(event, names)
    for q in await uow.questions.of_concern(concern.id):
        entries.append(
            _entry(q.asked_at, EntryKind.QUESTION, await names.of(q.asked_by), q.question)
        )
        if q.answer is not None and q.answered_at is not None:
            who = await names.of(concern.reporter_id)
            entries.append(_entry(q.answered_at, EntryKind.ANSWER, who, q.answer))
    for item in await uow.additions.of_concern(concern.id):
        head = N_("addition") if item.kind == ADDITION else N_("message")
        who = await names.of(item.author_id)
        entries.append(_entry(item.at, EntryKind.ADDITION, who, item.text, t(head)))
    useful = await uow.usefulness.of_concern(concern.id)
    if useful is not None:
        answer = t(USEFUL_LABELS.get(useful.answer, useful.answer))
        who = await names.of(concern.reporter_id)
        entries.append(_entry(useful.at, EntryKind.USEFULNESS, who, useful.remark, answer))
    for agreement in await uow.agreements.of_concern(concern.id):
        who = await names.of(agreement.author_id)
        entries.append(_entry(agreement.at, EntryKind.AGREED, who, agreement.agreed))
    return sorted(entries, key=lambda e: e.at)


def _entry(
    at: datetime, kind: EntryKind, who: tuple[str, str], text: str = "", detail: str = ""
) -> TimelineEntry:
    return TimelineEntry(at=at, kind=kind, who=who[0], role=who[1], text=text, detail=detail)


async def _status_entries(
    history: list[StatusChange], events: list[CaseEvent], names: _Names, t: Translate
) -> list[TimelineEntry]:
    reasons = {(e.detail, e.at): e.text for e in events if e.kind == EntryKind.STATUS}
    reopened = {e.at for e in events if e.kind == EntryKind.REOPENED}
    entries = []
    for change in history:
        if change.status is Status.IN_ANALYSIS and change.at in reopened:
            continue  # the reopening's own entry says it, with its reason
        kind = EntryKind.ACKNOWLEDGED if change.status is Status.ACKNOWLEDGED else EntryKind.STATUS
        detail = "" if kind is EntryKind.ACKNOWLEDGED else label(STATUSES, change.status, t)
        if change.outcome is not None:
            detail += f" · {t(N_('Outcome'))}: {label(OUTCOMES, change.outcome, t)}"
        lines = []
        reason = reasons.get((change.status.value, change.at), "")
        if reason:
            lines.append(f"{t(REASON)}: {reason}")
        if change.note:
            lines.append(f"{t(FEEDBACK)}: {change.note}")
        who = await names.of(change.by_member_id)
        entries.append(_entry(change.at, kind, who, "\n".join(lines), detail))
    return entries


async def _event_entries(event: CaseEvent, names: _Names) -> list[TimelineEntry]:
    if event.kind == EntryKind.STATUS:
        return []  # a status change's reason, shown with the change itself
    kind = EntryKind(event.kind)
    detail = event.detail
    if kind in (EntryKind.ASSIGNED, EntryKind.HANDOVER):
        detail = (await names.of(event.subject_id))[0]
    return [_entry(event.at, kind, await names.of(event.actor_id), event.text, detail)]


def timeline_text(entries: list[TimelineEntry], zone: str, t: Translate) -> str:
    """The timeline as chat text: one paragraph per entry, the free text indented below."""
    lines = [t(N_("Case file (only coordinators see this):"))]
    for entry in entries:
        head = t(HEADS[entry.kind])
        if entry.detail:
            head += f": {entry.detail}"
        who = f"{entry.who} ({entry.role})" if entry.role else entry.who
        line = f"• {when(entry.at, zone, t)} — {head}" + (f" — {who}" if who else "")
        if entry.text:
            line += "\n" + "\n".join(f"   {part}" for part in entry.text.splitlines())
        lines.append(line)
    return "\n".join(lines)
