"""Questions a coordinator relayed to a reporter, and the answers (both sealed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from bot.domain.clock import as_utc
from bot.storage.crypto import Cipher
from bot.storage.ids import new_id
from bot.storage.statements import Statements
from bot.storage.tables import concerns, questions

_Q = "questions.question"
_A = "questions.answer"


@dataclass(frozen=True)
class Question:
    """A relayed question and, once given, its answer."""

    id: int
    concern_id: int
    asked_by: int | None
    question: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None


class QuestionRepository:
    """Reads and writes relayed questions."""

    def __init__(self, connection: Statements, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher

    async def add(self, concern_id: int, asked_by: int, question: str, at: datetime) -> int:
        """Store a question; returns its id."""
        result = await self._c.execute(
            insert(questions).values(
                concern_id=concern_id,
                asked_by=asked_by,
                question_enc=self._cipher.seal(question, _Q),
                asked_at=at,
            )
        )
        return new_id(result)

    async def get(self, question_id: int) -> Question | None:
        """Return the question with this id."""
        row = (
            await self._c.execute(select(questions).where(questions.c.id == question_id))
        ).first()
        if row is None:
            return None
        return Question(
            id=row.id,
            concern_id=row.concern_id,
            asked_by=row.asked_by,
            question=self._cipher.open(row.question_enc, _Q),
            asked_at=as_utc(row.asked_at),
            answer=None if row.answer_enc is None else self._cipher.open(row.answer_enc, _A),
            answered_at=None if row.answered_at is None else as_utc(row.answered_at),
        )

    async def of_concern(self, concern_id: int) -> list[Question]:
        """Every question relayed about a concern, oldest first."""
        query = (
            select(questions.c.id)
            .where(questions.c.concern_id == concern_id)
            .order_by(questions.c.id)
        )
        found = []
        for (question_id,) in await self._c.execute(query):
            question = await self.get(int(question_id))
            if question is not None:
                found.append(question)
        return found

    async def answer(self, question_id: int, answer: str, at: datetime) -> None:
        """Store the reporter's answer."""
        await self._c.execute(
            update(questions)
            .where(questions.c.id == question_id)
            .values(answer_enc=self._cipher.seal(answer, _A), answered_at=at)
        )

    async def awaiting_answer(self, concern_ids: list[int]) -> set[int]:
        """Which of these concerns have a question the reporter has not answered yet."""
        if not concern_ids:
            return set()
        query = select(questions.c.concern_id).where(
            questions.c.concern_id.in_(concern_ids), questions.c.answer_enc.is_(None)
        )
        return {int(row.concern_id) for row in await self._c.execute(query)}

    async def waiting_for(self, reporter_id: int) -> list[Question]:
        """Unanswered questions on the reporter's open concerns, oldest first."""
        query = (
            select(questions.c.id)
            .join(concerns, concerns.c.id == questions.c.concern_id)
            .where(
                concerns.c.reporter_id == reporter_id,
                concerns.c.status != "closed",
                questions.c.answer_enc.is_(None),
            )
            .order_by(questions.c.id)
        )
        found = []
        for (question_id,) in await self._c.execute(query):
            question = await self.get(int(question_id))
            if question is not None:
                found.append(question)
        return found
