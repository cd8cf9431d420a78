"""Units of work that only read: on PostgreSQL without the BEGIN and ROLLBACK around them."""

from __future__ import annotations

from bot.storage.statements import Statements
from bot.storage.uow import UnitOfWork
from bot.storage.uow_factory import UnitOfWorkFactory


class ReadingUnit(UnitOfWork):
    """A PostgreSQL unit of work whose statements each run on their own (autocommit): a single
    read costs one round trip instead of three, and no transaction is held open between two."""

    async def _open(self) -> Statements:
        connection = self._connection = await self._engine.connect()
        # psycopg's autocommit is a flag on the client (no round trip); the pool resets it.
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection

    async def commit(self) -> None:
        """Refused: nothing is written here (what was would be committed already)."""
        raise TypeError("a reading unit of work has nothing to commit")


def reading(factory: UnitOfWorkFactory, delivery: bool = False) -> UnitOfWork:
    """A unit of work for reads only (its statements see a snapshot each, not one for all); on
    SQLite the factory's usual one (``delivery``: a delivery's, which gets the writer first)."""
    if factory.engine.dialect.name != "postgresql":
        return factory.for_delivery() if delivery else factory()
    return ReadingUnit(factory.engine, factory.cipher, owner=factory.owner)
