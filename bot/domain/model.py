"""The domain model: networks, members, concerns and their life cycle. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.errors import DomainError as DomainError
from bot.domain.network import Network as Network
from bot.domain.network import Organisation as Organisation
from bot.domain.network import Referral as Referral
from bot.domain.network import RoleContact as RoleContact


class Role(StrEnum):
    """What a member does in the network."""

    REPORTER = "reporter"
    COORDINATOR = "coordinator"
    MUNICIPALITY = "municipality"
    """The municipality's adviser: aggregates of the networks it directs, never a concern."""


class Status(StrEnum):
    """Where a concern is in its handling, in order."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_ANALYSIS = "in_analysis"
    ACTION_TAKEN = "action_taken"
    CLOSED = "closed"


STATUS_ORDER: tuple[Status, ...] = tuple(Status)


class Outcome(StrEnum):
    """How a closed concern was handled."""

    ADVICE_GIVEN = "advice_given"
    HANDLED_IN_ORGANISATION = "handled_in_organisation"
    CASE_MEETING = "case_meeting"
    REFERRED = "referred"
    NO_FURTHER_ACTION = "no_further_action"


class Mode(StrEnum):
    """Anonymous consultation or a share the coordinator may follow up."""

    ADVICE = "advice"
    SHARE = "share"


@dataclass
class Member:
    """A professional enrolled in one network, with a role and a language."""

    id: int | None
    network_id: str
    organisation_id: str
    role: Role
    language: str
    display_name: str
    pseudonym: str
    created_at: datetime
    unreachable: bool = False
    remove_messages: bool = True
    digest: str = "weekly"
    backup: bool = False


@dataclass(frozen=True)
class ChannelIdentity:
    """The link between a platform account and a member."""

    channel: str
    external_id: str
    member_id: int


@dataclass(frozen=True)
class StatusChange:
    """One step in a concern's history."""

    status: Status
    at: datetime
    by_member_id: int | None
    outcome: Outcome | None = None
    note: str = ""


@dataclass
class Concern:
    """A worry shared by a reporter, and everything that happened to it since."""

    id: int | None
    reference: str
    network_id: str
    organisation_id: str
    reporter_id: int
    mode: Mode
    subject: str
    age_band: str
    setting: str
    source: str
    urgency: str
    acute: bool
    contact_allowed: bool
    identity_shown: bool
    actions_taken: tuple[str, ...]
    facts: str
    interpretation: str
    counter_signals: str
    created_at: datetime
    acknowledge_due: datetime
    feedback_due: datetime
    status: Status = Status.RECEIVED
    outcome: Outcome | None = None
    assignee_id: int | None = None
    acknowledged_by: int | None = None
    acknowledged_at: datetime | None = None
    last_feedback_at: datetime | None = None
    closed_at: datetime | None = None
    history: list[StatusChange] = field(default_factory=list)
    frequency: str = "unknown"
    """How often and since when it was noticed (a key of ``FREQUENCIES``)."""
    informed: str = "unknown"
    """Whether the young person or parents know it is shared (a key of ``INFORMED``)."""
    question: str = ""
    """An advice consult's question, kept apart from the situation it describes."""
    sources_detail: str = ""
    """Which part comes from which source, when the parts have different sources."""
    area: str = ""
    """The area (district) chosen from the network's list, ``unknown``, or empty: not asked."""

    @property
    def is_open(self) -> bool:
        """True until the concern is closed."""
        return self.status is not Status.CLOSED

    def is_overdue(self, now: datetime) -> bool:
        """True when acknowledgement or feedback is late."""
        if not self.is_open:
            return False
        if self.status is Status.RECEIVED:
            return now > self.acknowledge_due
        return now > self.feedback_due

    def next_statuses(self) -> tuple[Status, ...]:
        """Statuses a coordinator may move this concern to from where it is."""
        if not self.is_open:
            return ()
        index = STATUS_ORDER.index(self.status)
        return STATUS_ORDER[index + 1 :]

    def acknowledge(self, by_member_id: int, at: datetime, note: str = "") -> None:
        """Record that a coordinator has seen the concern and takes responsibility."""
        if self.status is not Status.RECEIVED:
            raise DomainError("already_acknowledged")
        self.acknowledged_by = by_member_id
        self.acknowledged_at = at
        if self.assignee_id is None:
            self.assignee_id = by_member_id
        self._record(Status.ACKNOWLEDGED, at, by_member_id, None, note)

    def assign(self, member_id: int) -> None:
        """Make ``member_id`` the coordinator responsible for the concern."""
        if not self.is_open:
            raise DomainError("closed")
        self.assignee_id = member_id

    def move_to(
        self,
        status: Status,
        by_member_id: int,
        at: datetime,
        outcome: Outcome | None = None,
        note: str = "",
    ) -> None:
        """Move forward to ``status``; closing requires an outcome."""
        if status not in self.next_statuses():
            raise DomainError("invalid_transition")
        if status is Status.CLOSED and outcome is None:
            raise DomainError("outcome_required")
        if status is Status.ACKNOWLEDGED:
            self.acknowledge(by_member_id, at, note)
            return
        if self.status is Status.RECEIVED:
            self.acknowledged_by = by_member_id
            self.acknowledged_at = at
        if self.assignee_id is None:
            self.assignee_id = by_member_id
        if status is Status.CLOSED:
            self.outcome = outcome
            self.closed_at = at
        self._record(status, at, by_member_id, outcome, note)

    def note_feedback(self, at: datetime, next_due: datetime) -> None:
        """Record that the reporter heard back now, and when they should hear again."""
        self.last_feedback_at = at
        self.feedback_due = next_due

    def _record(
        self, status: Status, at: datetime, by: int | None, outcome: Outcome | None, note: str
    ) -> None:
        self.status = status
        self.history.append(StatusChange(status, at, by, outcome, note))


@dataclass(frozen=True)
class AccessLogEntry:
    """Who did what to which record, when, and with what outcome. Never content."""

    at: datetime
    actor_member_id: int | None
    action: str
    outcome: str
    concern_reference: str | None = None
    subject_member_id: int | None = None
    on_behalf_of: str | None = None
    channel: str | None = None
