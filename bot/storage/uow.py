"""The unit of work: one transaction, with every repository on the same connection."""

from __future__ import annotations

import asyncio
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
from bot.storage.writer import WriterTurns

WRITER_TIMEOUT = 30.0
"""Seconds a unit of work waits for SQLite's write turn (as long as SQLite's busy timeout)."""


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

    def __init__(
        self,
        engine: AsyncEngine,
        cipher: Cipher,
        writer: WriterTurns | None = None,
        urgent: bool = False,
    ) -> None:
        self._engine = engine
        self._cipher = cipher
        self._writer = writer
        self._urgent = urgent
        self._holding = False
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None
        self.outbox_added = 0

    async def __aenter__(self) -> UnitOfWork:
        if self._writer is not None:
            # SQLite has one writer at a time: queue here, in order, rather than in SQLite's
            # busy handler, which polls with sleeps of up to 100 ms.
            await asyncio.wait_for(self._writer.acquire(self._urgent), WRITER_TIMEOUT)
            self._holding = True
        try:
            self._connection = await self._engine.connect()
            self._transaction = await self._connection.begin()
        except BaseException:
            await self._close()
            raise
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
            await self._close()

    async def _close(self) -> None:
        try:
            if self._connection is not None:
                await self._connection.close()
        finally:
            self._connection = None
            self._transaction = None
            if self._holding and self._writer is not None:
                self._holding = False
                self._writer.release()

    @property
    def connection(self) -> AsyncConnection:
        """The connection this unit works on (for storage-level tools and tests)."""
        assert self._connection is not None, "connection outside 'async with'"
        return self._connection

    async def commit(self) -> None:
        """Make every change of this unit permanent."""
        assert self._transaction is not None, "commit outside 'async with'"
        await self._transaction.commit()


class UnitOfWorkFactory:
    """Makes units of work on one engine with one cipher."""

    def __init__(self, engine: AsyncEngine, cipher: Cipher) -> None:
        self.engine = engine
        self.cipher = cipher
        sqlite = engine.dialect.name == "sqlite"
        self._writer = WriterTurns() if sqlite else None

    def __call__(self, urgent: bool = False) -> UnitOfWork:
        """A fresh unit of work; an ``urgent`` one gets SQLite's writer before the others."""
        return UnitOfWork(self.engine, self.cipher, self._writer, urgent)
