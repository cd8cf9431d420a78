"""Units of work for one running instance: SQLite's writer turns, its connections used in
place, and its group commit, shared by every unit the factory makes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.claims import new_instance_id
from bot.storage.crypto import Cipher
from bot.storage.engine import in_place_engine
from bot.storage.sqlite.group_sync import GroupSync
from bot.storage.sqlite.writer import WriterTurns
from bot.storage.statements import Committer, SharedConnection
from bot.storage.uow import UnitOfWork


class UnitOfWorkFactory:
    """Makes units of work on one engine with one cipher, for one running instance: the
    outbox claims they make are recorded as its own (``owner``, random unless given)."""

    def __init__(
        self,
        engine: AsyncEngine,
        cipher: Cipher,
        owner: int | None = None,
        group_commit: bool = True,
    ) -> None:
        self.engine = engine
        self.cipher = cipher
        self.owner = new_instance_id() if owner is None else owner
        sqlite = engine.dialect.name == "sqlite"
        self._writer = WriterTurns() if sqlite else None
        # Durable commits on SQLite wait for a group's sync of the log (group commit), not
        # for a sync of their own: the connection commits without one (synchronous=NORMAL).
        twin = in_place_engine(engine, durable=not group_commit)
        self._in_place = SharedConnection(twin) if twin is not None else None
        log = Path(f"{engine.url.database}-wal")
        self.group = GroupSync(log) if twin is not None and group_commit else None
        light = in_place_engine(engine, durable=False)
        self._in_place_light = SharedConnection(light) if light is not None else None
        self.committer = Committer()

    def __call__(self) -> UnitOfWork:
        """A fresh unit of work."""
        return self._make(urgent=False, durable=True)

    def for_delivery(self, durable: bool = True) -> UnitOfWork:
        """A unit of work for delivering messages (claims, outcomes), which gets SQLite's writer
        before the others: a turn's replies must not wait behind the work they answer.

        One that is not ``durable`` commits without waiting for the disk: a power cut may undo
        it (never half of it), so it is only for what can be done again, such as noting that
        a message was sent (it would be sent again). On PostgreSQL every unit is durable (see
        ``UnitOfWork._open``)."""
        return self._make(urgent=True, durable=durable)

    def _make(self, urgent: bool, durable: bool) -> UnitOfWork:
        in_place = self._in_place if durable else self._in_place_light
        return UnitOfWork(
            self.engine,
            self.cipher,
            self._writer,
            urgent,
            in_place,
            durable,
            self.committer,
            self.owner,
            self.group,
        )

    @property
    def sync_engine(self) -> Engine:
        """The synchronous engine that runs this factory's statements (to listen to its events)."""
        return self._in_place.engine if self._in_place else self.engine.sync_engine

    def dispose(self) -> None:
        """Close the connections this factory opened itself (those of SQLite in place)."""
        for shared in (self._in_place, self._in_place_light):
            if shared is not None:
                shared.close()
