"""Enrolment of members who arrive without an invite: the operator's local terminal."""

from __future__ import annotations

from datetime import datetime

from bot.channels.events import Address
from bot.domain.model import Member, Role
from bot.settings import Settings
from bot.storage.members import new_pseudonym
from bot.storage.uow import UnitOfWork


class EnrolmentError(Exception):
    """The member cannot be enrolled as asked; the message says why."""


async def enrol_local(
    uow: UnitOfWork,
    settings: Settings,
    address: Address,
    role: Role,
    name: str,
    language: str,
    now: datetime,
) -> Member:
    """Return the member at ``address``, enrolling them in the console network if new."""
    existing = await uow.members.by_address(address)
    if existing is not None:
        if existing.role is not role:
            raise EnrolmentError(
                f"user {address.user_id!r} is enrolled as {existing.role.value}, "
                f"not {role.value}; pick another --user"
            )
        return existing
    network = settings.network(settings.console.network)
    organisation = settings.console.organisation or network.organisations[0].id
    network.organisation(organisation)
    pseudonym = new_pseudonym()
    while await uow.members.pseudonym_taken(pseudonym):
        pseudonym = new_pseudonym()
    member = Member(
        id=None,
        network_id=network.id,
        organisation_id=organisation,
        role=role,
        language=language,
        display_name=name,
        pseudonym=pseudonym,
        created_at=now,
    )
    return await uow.members.add(member, address)
