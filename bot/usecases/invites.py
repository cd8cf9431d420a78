"""Onboarding by invitation: single-use, expiring codes bound to a network, organisation, role."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import ConfigError, Settings
from bot.events import Sender
from bot.i18n import N_, normalise_language
from bot.model import Member, Network, Role
from bot.storage.members import new_pseudonym
from bot.storage.uow import UnitOfWork

_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
GUESS_WINDOW = timedelta(hours=1)
GUESS_LIMIT = 5

INVALID = N_("This invitation code is not valid. Check the link, or ask for a new invitation.")
USED = N_("This invitation has already been used. Ask for a new one if you need it.")
EXPIRED = N_("This invitation has expired. Ask for a new one.")
THROTTLED = N_("Too many invalid codes. Please wait an hour and try the link again.")


def new_code() -> str:
    """A fresh invitation code (about 59 bits of randomness)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def hash_code(code: str) -> str:
    """The stored form of a code: SHA-256 over its normalised text."""
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def network_of(settings: Settings, organisation_id: str) -> Network:
    """The configured network the organisation belongs to."""
    for network in settings.networks:
        if any(org.id == organisation_id for org in network.organisations):
            return network
    known = ", ".join(o.id for n in settings.networks for o in n.organisations)
    raise ConfigError(f"no organisation {organisation_id!r} is configured (known: {known})")


async def create_invite(
    uow: UnitOfWork,
    settings: Settings,
    organisation_id: str,
    role: Role,
    valid_for: timedelta,
    now: datetime,
) -> str:
    """Store a new invite (as a hash) and return the code, shown once."""
    network = network_of(settings, organisation_id)
    code = new_code()
    await uow.invites.add(hash_code(code), network.id, organisation_id, role, now, now + valid_for)
    return code


@dataclass(frozen=True)
class Redemption:
    """The outcome of trying a code: the new member, or the reason (a message id)."""

    member: Member | None
    problem: str = ""


async def redeem(
    uow: UnitOfWork, sender: Sender, code: str, now: datetime, default_language: str
) -> Redemption:
    """Enrol the sender with a valid code; wrong guesses are counted and throttled."""
    key = f"invite:{sender.address.channel}:{sender.address.user_id}"
    if await uow.attempts.count(key, GUESS_WINDOW, now) >= GUESS_LIMIT:
        return Redemption(None, THROTTLED)
    invite = await uow.invites.by_hash(hash_code(code)) if code.strip() else None
    problem = ""
    if invite is None:
        problem = INVALID
    elif invite.used_at is not None:
        problem = USED
    elif invite.expires_at <= now:
        problem = EXPIRED
    if problem or invite is None:
        await uow.attempts.hit(key, GUESS_WINDOW, now)
        return Redemption(None, problem or INVALID)
    pseudonym = new_pseudonym()
    while await uow.members.pseudonym_taken(pseudonym):
        pseudonym = new_pseudonym()
    member = await uow.members.add(
        Member(
            id=None,
            network_id=invite.network_id,
            organisation_id=invite.organisation_id,
            role=invite.role,
            language=normalise_language(sender.language or default_language),
            display_name=(sender.display_name or pseudonym)[:128],
            pseudonym=pseudonym,
            created_at=now,
        ),
        sender.address,
    )
    assert member.id is not None
    if not await uow.invites.use(invite.id, member.id, now):
        raise RuntimeError("invite used concurrently")
    return Redemption(member)
