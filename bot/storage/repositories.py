"""The repositories of a unit of work, each made the first time it is used: most units use
two or three of the twenty, and making them all cost a turn as much as a statement."""

from __future__ import annotations

from functools import cached_property

from bot.storage.access_log import AccessLogRepository
from bot.storage.additions import AdditionRepository
from bot.storage.agreements import AgreementRepository
from bot.storage.attempts import AttemptCounter
from bot.storage.case_events import CaseEventRepository
from bot.storage.claims import ClaimRepository
from bot.storage.concerns import ConcernRepository
from bot.storage.crypto import Cipher
from bot.storage.dialog_states import DialogStateRepository
from bot.storage.invites import InviteRepository
from bot.storage.members import MemberRepository
from bot.storage.notes import TrendNotes
from bot.storage.once import JobLedger, ProcessedEvents
from bot.storage.outbox import OutboxRepository
from bot.storage.posted import PostedMessages
from bot.storage.questions import QuestionRepository
from bot.storage.statements import Statements
from bot.storage.stats import StatsQueries
from bot.storage.totp import TotpSecrets
from bot.storage.trends import TrendQueries
from bot.storage.usefulness import UsefulnessAnswers


class Repositories:
    """Every repository, on the unit's connection (``connection``) with its cipher."""

    _cipher: Cipher
    _owner: int | None

    @property
    def connection(self) -> Statements:
        """What the repositories run their statements on."""
        raise NotImplementedError

    def _forget_repositories(self) -> None:
        """Drop the repositories made so far: they hold a connection that is given back."""
        made = self.__dict__
        for name in _REPOSITORIES.intersection(made):
            del made[name]

    @cached_property
    def members(self) -> MemberRepository:
        """This unit's members."""
        return MemberRepository(self.connection, self._cipher)

    @cached_property
    def concerns(self) -> ConcernRepository:
        """This unit's concerns."""
        return ConcernRepository(self.connection, self._cipher)

    @cached_property
    def dialogs(self) -> DialogStateRepository:
        """This unit's dialogs."""
        return DialogStateRepository(self.connection, self._cipher)

    @cached_property
    def questions(self) -> QuestionRepository:
        """This unit's questions."""
        return QuestionRepository(self.connection, self._cipher)

    @cached_property
    def additions(self) -> AdditionRepository:
        """This unit's additions."""
        return AdditionRepository(self.connection, self._cipher)

    @cached_property
    def agreements(self) -> AgreementRepository:
        """This unit's agreements."""
        return AgreementRepository(self.connection, self._cipher)

    @cached_property
    def access_log(self) -> AccessLogRepository:
        """This unit's access log."""
        return AccessLogRepository(self.connection)

    @cached_property
    def outbox(self) -> OutboxRepository:
        """This unit's outbox."""
        return OutboxRepository(self.connection, self._cipher, self._owner)

    @cached_property
    def claims(self) -> ClaimRepository:
        """This unit's claims."""
        return ClaimRepository(self.connection)

    @cached_property
    def invites(self) -> InviteRepository:
        """This unit's invites."""
        return InviteRepository(self.connection)

    @cached_property
    def events(self) -> ProcessedEvents:
        """This unit's events."""
        return ProcessedEvents(self.connection)

    @cached_property
    def attempts(self) -> AttemptCounter:
        """This unit's attempts."""
        return AttemptCounter(self.connection)

    @cached_property
    def posted(self) -> PostedMessages:
        """This unit's posted."""
        return PostedMessages(self.connection)

    @cached_property
    def notes(self) -> TrendNotes:
        """This unit's notes."""
        return TrendNotes(self.connection, self._cipher)

    @cached_property
    def stats(self) -> StatsQueries:
        """This unit's stats."""
        return StatsQueries(self.connection)

    @cached_property
    def trends(self) -> TrendQueries:
        """This unit's trends."""
        return TrendQueries(self.connection)

    @cached_property
    def ledger(self) -> JobLedger:
        """This unit's ledger."""
        return JobLedger(self.connection)

    @cached_property
    def usefulness(self) -> UsefulnessAnswers:
        """This unit's usefulness."""
        return UsefulnessAnswers(self.connection, self._cipher)

    @cached_property
    def case_events(self) -> CaseEventRepository:
        """This unit's case events."""
        return CaseEventRepository(self.connection, self._cipher)

    @cached_property
    def totp(self) -> TotpSecrets:
        """This unit's totp."""
        return TotpSecrets(self.connection, self._cipher)


_REPOSITORIES = frozenset(
    name for name, value in vars(Repositories).items() if isinstance(value, cached_property)
)
