"""Invite codes, stored only as hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from bot.domain.clock import as_utc
from bot.domain.model import Role
from bot.storage.ids import new_id
from bot.storage.statements import Statements
from bot.storage.tables import invites


@dataclass(frozen=True)
class Invite:
    """A single-use invitation into a network, organisation and role."""

    id: int
    network_id: str
    organisation_id: str
    role: Role
    expires_at: datetime
    used_at: datetime | None


class InviteRepository:
    """Adds, finds and uses invites."""

    def __init__(self, connection: Statements) -> None:
        self._c = connection

    async def add(
        self,
        code_hash: str,
        network_id: str,
        organisation_id: str,
        role: Role,
        created_at: datetime,
        expires_at: datetime,
    ) -> int:
        """Store a new invite; returns its id."""
        result = await self._c.execute(
            insert(invites).values(
                code_hash=code_hash,
                network_id=network_id,
                organisation_id=organisation_id,
                role=role.value,
                created_at=created_at,
                expires_at=expires_at,
            )
        )
        return new_id(result)

    async def by_hash(self, code_hash: str) -> Invite | None:
        """The invite whose code hashes to ``code_hash``."""
        row = (
            await self._c.execute(select(invites).where(invites.c.code_hash == code_hash))
        ).first()
        if row is None:
            return None
        return Invite(
            id=row.id,
            network_id=row.network_id,
            organisation_id=row.organisation_id,
            role=Role(row.role),
            expires_at=as_utc(row.expires_at),
            used_at=None if row.used_at is None else as_utc(row.used_at),
        )

    async def use(self, invite_id: int, member_id: int, at: datetime) -> bool:
        """Mark the invite used by ``member_id``; False if someone used it first."""
        result = await self._c.execute(
            update(invites)
            .where(invites.c.id == invite_id, invites.c.used_at.is_(None))
            .values(used_at=at, used_by=member_id)
        )
        return bool(result.rowcount == 1)
