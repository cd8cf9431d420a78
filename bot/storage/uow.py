"""The unit of work: one transaction, with every repository on the same connection."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from bot.crypto import Cipher
from bot.storage.access_log import AccessLogRepository
from bot.storage.attempts import AttemptCounter
from bot.storage.concerns import ConcernRepository
from bot.storage.dialog_states import DialogStateRepository
from bot.storage.invites import InviteRepository
from bot.storage.members import MemberRepository
from bot.storage.notes import TrendNotes
from bot.storage.once import JobLedger, ProcessedEvents
from bot.storage.outbox import OutboxRepository
from bot.storage.posted import PostedMessages
from bot.storage.questions import QuestionRepository
from bot.storage.stats import StatsQueries
from bot.storage.usefulness import UsefulnessAnswers


class UnitOfWork:
    """``async with uow:`` opens a transaction; ``commit()`` keeps it, leaving rolls back."""

    members: MemberRepository
    concerns: ConcernRepository
    dialogs: DialogStateRepository
    questions: QuestionRepository
    access_log: AccessLogRepository
    outbox: OutboxRepository
    invites: InviteRepository
    events: ProcessedEvents
    attempts: AttemptCounter
    posted: PostedMessages
    notes: TrendNotes
    stats: StatsQueries
    ledger: JobLedger
    usefulness: UsefulnessAnswers

    def __init__(self, engine: AsyncEngine, cipher: Cipher) -> None:
        self._engine = engine
        self._cipher = cipher
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None
        self.outbox_added = 0

    async def __aenter__(self) -> UnitOfWork:
        self._connection = await self._engine.connect()
        self._transaction = await self._connection.begin()
        c, cipher = self._connection, self._cipher
        self.members = MemberRepository(c, cipher)
        self.concerns = ConcernRepository(c, cipher)
        self.dialogs = DialogStateRepository(c, cipher)
        self.questions = QuestionRepository(c, cipher)
        self.access_log = AccessLogRepository(c)
        self.outbox = OutboxRepository(c, cipher)
        self.invites = InviteRepository(c)
        self.events = ProcessedEvents(c)
        self.attempts = AttemptCounter(c)
        self.posted = PostedMessages(c)
        self.notes = TrendNotes(c, cipher)
        self.stats = StatsQueries(c)
        self.ledger = JobLedger(c)
        self.usefulness = UsefulnessAnswers(c, cipher)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            if self._connection is not None:
                await self._connection.close()
            self._connection = None
            self._transaction = None

    async def commit(self) -> None:
        """Make every change of this unit permanent."""
        assert self._transaction is not None, "commit outside 'async with'"
        await self._transaction.commit()


class UnitOfWorkFactory:
    """Makes units of work on one engine with one cipher."""

    def __init__(self, engine: AsyncEngine, cipher: Cipher) -> None:
        self.engine = engine
        self.cipher = cipher

    def __call__(self) -> UnitOfWork:
        """A fresh unit of work."""
        return UnitOfWork(self.engine, self.cipher)
