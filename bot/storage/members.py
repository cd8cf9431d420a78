"""Members and the channel identities that lead to them."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import RowMapping, bindparam, delete, insert, select, update

from bot.channels.events import Address
from bot.domain.clock import as_utc
from bot.domain.model import Member, Role
from bot.storage.crypto import Cipher
from bot.storage.ids import new_id
from bot.storage.statements import Statements
from bot.storage.tables import dialog_states, identities, members, totp_secrets

_NAME = "members.display_name"
_PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_pseudonym() -> str:
    """A short random pseudonym such as ``R-7KQ2``."""
    return "R-" + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(5))


# Every turn asks this: built once (with parameters) rather than per call, which costs more
# than running it.
_BY_ADDRESS = (
    select(members)
    .join(identities, identities.c.member_id == members.c.id)
    .where(
        identities.c.channel == bindparam("channel"),
        identities.c.external_id == bindparam("external_id"),
    )
)

_BY_ADDRESS_WITH_DIALOG = _BY_ADDRESS.add_columns(dialog_states.c.state_enc).outerjoin(
    dialog_states, dialog_states.c.member_id == members.c.id
)


class MemberRepository:
    """Reads and writes members; display names are sealed."""

    def __init__(self, connection: Statements, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher

    async def add(self, member: Member, address: Address) -> Member:
        """Store a new member reachable at ``address``; returns it with its id."""
        result = await self._c.execute(
            insert(members).values(
                network_id=member.network_id,
                organisation_id=member.organisation_id,
                role=member.role.value,
                language=member.language,
                display_name_enc=self._cipher.seal(member.display_name, _NAME),
                pseudonym=member.pseudonym,
                created_at=member.created_at,
                unreachable=False,
            )
        )
        member.id = new_id(result)
        await self.link(member.id, address, member.created_at)
        return member

    async def link(self, member_id: int, address: Address, at: datetime) -> None:
        """Make ``address`` lead to ``member_id``."""
        await self._c.execute(
            insert(identities).values(
                channel=address.channel,
                external_id=address.user_id,
                member_id=member_id,
                created_at=at,
            )
        )

    async def get(self, member_id: int) -> Member | None:
        """Return the member with this id."""
        row = (await self._c.execute(select(members).where(members.c.id == member_id))).first()
        return None if row is None else self._member(row._mapping)

    async def by_address(self, address: Address) -> Member | None:
        """Return the member an address leads to."""
        values = {"channel": address.channel, "external_id": address.user_id}
        row = (await self._c.execute(_BY_ADDRESS, values)).first()
        return None if row is None else self._member(row._mapping)

    async def by_address_with_dialog(self, address: Address) -> tuple[Member | None, str | None]:
        """The member an address leads to and their dialog's sealed state (None when no dialog
        is under way), in one statement: every turn needs both."""
        values = {"channel": address.channel, "external_id": address.user_id}
        row = (await self._c.execute(_BY_ADDRESS_WITH_DIALOG, values)).first()
        if row is None:
            return None, None
        return self._member(row._mapping), row._mapping["state_enc"]

    async def address_of(self, member_id: int) -> Address | None:
        """Return the address most recently linked to the member."""
        query = (
            select(identities.c.channel, identities.c.external_id)
            .where(identities.c.member_id == member_id)
            .order_by(identities.c.created_at.desc())
        )
        row = (await self._c.execute(query)).first()
        return None if row is None else Address(row.channel, row.external_id)

    async def addresses_in(self, network_id: str) -> dict[int, Address]:
        """Each member of the network's most recently linked address (one query for all)."""
        query = (
            select(identities.c.member_id, identities.c.channel, identities.c.external_id)
            .join(members, members.c.id == identities.c.member_id)
            .where(members.c.network_id == network_id)
            .order_by(identities.c.member_id, identities.c.created_at)
        )
        # Ordered oldest first, so the newest address of each member is the one that stays.
        return {
            row.member_id: Address(row.channel, row.external_id)
            for row in await self._c.execute(query)
        }

    async def coordinators(self, network_id: str) -> list[Member]:
        """All coordinators of a network."""
        query = (
            select(members)
            .where(members.c.network_id == network_id, members.c.role == Role.COORDINATOR.value)
            .order_by(members.c.id)
        )
        return [self._member(r._mapping) for r in await self._c.execute(query)]

    async def set_language(self, member_id: int, language: str) -> None:
        """Change the member's language."""
        await self._c.execute(
            update(members).where(members.c.id == member_id).values(language=language)
        )

    async def set_remove_messages(self, member_id: int, remove: bool) -> None:
        """Whether the member's account messages are removed from the chat after sharing."""
        await self._c.execute(
            update(members).where(members.c.id == member_id).values(remove_messages=remove)
        )

    async def set_digest(self, member_id: int, frequency: str) -> None:
        """How often the member receives the trend digest: weekly, monthly or off."""
        await self._c.execute(
            update(members).where(members.c.id == member_id).values(digest=frequency)
        )

    async def set_backup(self, member_id: int, backup: bool) -> None:
        """Whether a coordinator is escalated to when an acute concern goes unacknowledged."""
        await self._c.execute(
            update(members).where(members.c.id == member_id).values(backup=backup)
        )

    async def in_network(self, network_id: str) -> list[Member]:
        """Every member of a network."""
        query = select(members).where(members.c.network_id == network_id).order_by(members.c.id)
        return [self._member(r._mapping) for r in await self._c.execute(query)]

    async def mark_unreachable(self, member_id: int, unreachable: bool = True) -> None:
        """Record that the member cannot be reached on their channel (or can again)."""
        await self._c.execute(
            update(members).where(members.c.id == member_id).values(unreachable=unreachable)
        )

    async def pseudonym_taken(self, pseudonym: str) -> bool:
        """True when another member already has this pseudonym."""
        query = select(members.c.id).where(members.c.pseudonym == pseudonym)
        return (await self._c.execute(query)).first() is not None

    async def erase(self, member_id: int, pseudonym: str) -> None:
        """Remove the member's name, every way to reach them and their authenticator secret;
        the row stays as a pseudonym."""
        await self.unlink_all(member_id)
        await self._c.execute(delete(totp_secrets).where(totp_secrets.c.member_id == member_id))
        await self._c.execute(
            update(members)
            .where(members.c.id == member_id)
            .values(
                display_name_enc=self._cipher.seal(pseudonym, _NAME), unreachable=True, digest="off"
            )
        )

    async def unlink_all(self, member_id: int) -> None:
        """Remove every channel identity of the member."""
        await self._c.execute(delete(identities).where(identities.c.member_id == member_id))

    def _member(self, row: RowMapping) -> Member:
        return Member(
            id=row["id"],
            network_id=row["network_id"],
            organisation_id=row["organisation_id"],
            role=Role(row["role"]),
            language=row["language"],
            display_name=self._cipher.open(row["display_name_enc"], _NAME),
            pseudonym=row["pseudonym"],
            created_at=as_utc(row["created_at"]),
            unreachable=bool(row["unreachable"]),
            remove_messages=bool(row["remove_messages"]),
            digest=str(row["digest"]),
            backup=bool(row["backup"]),
        )
