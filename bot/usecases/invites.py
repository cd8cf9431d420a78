"""Onboarding by invitation: single-use, expiring codes bound to a network, organisation, role."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.channels.events import Sender
from bot.domain.model import Member, Network, Role
from bot.i18n import N_, normalise_language
from bot.settings import Settings
from bot.startup_errors import ConfigError
from bot.storage.members import new_pseudonym
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
GUESS_WINDOW = timedelta(hours=1)
GUESS_LIMIT = 5
"""Wrong codes a user may try within ``GUESS_WINDOW`` before each try waits ``COOL_DOWN``."""
COOL_DOWN = timedelta(minutes=5)
GLOBAL_WINDOW = timedelta(minutes=1)
GLOBAL_LIMIT = 20
"""Wrong codes from everyone together within ``GLOBAL_WINDOW`` before every try is refused
(a guesser with many accounts)."""
GLOBAL_KEY = "invite:all"

INVALID = N_("This invitation code is not valid. Check the link, or ask for a new invitation.")
USED = N_("This invitation has already been used. Ask for a new one if you need it.")
EXPIRED = N_("This invitation has expired. Ask for a new one.")
THROTTLED = N_("Too many invalid codes. Please try the link again in {minutes} min.")
BUSY = N_(
    "Too many invalid invitation codes are being tried at the moment, so no code is taken "
    "now. Please try the link again in {minutes} min."
)


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
    if role is Role.MUNICIPALITY and settings.municipality_of(network.id) is None:
        raise ConfigError(
            f"no [[municipalities]] entry directs network {network.id!r}, so it has no "
            "municipality adviser: add one naming the network first"
        )
    code = new_code()
    await uow.invites.add(hash_code(code), network.id, organisation_id, role, now, now + valid_for)
    return code


@dataclass(frozen=True)
class Redemption:
    """The outcome of trying a code: the new member, or the reason (a message id)."""

    member: Member | None
    problem: str = ""
    minutes: int = 0
    """For a throttled try: the whole minutes until a code is taken again."""


async def redeem(
    uow: UnitOfWork, sender: Sender, code: str, now: datetime, default_language: str
) -> Redemption:
    """Enrol the sender with a valid code; wrong guesses are counted and throttled, per user
    and for everyone together."""
    user = f"invite:{sender.address.channel}:{sender.address.user_id}"
    cooling = f"invitewait:{sender.address.channel}:{sender.address.user_id}"
    refusal = await _throttled(uow, cooling, now)
    if refusal is not None:
        return refusal
    invite = await uow.invites.by_hash(hash_code(code)) if code.strip() else None
    problem = ""
    if invite is None:
        problem = INVALID
    elif invite.used_at is not None:
        problem = USED
    elif invite.expires_at <= now:
        problem = EXPIRED
    if problem or invite is None:
        await _count_wrong(uow, user, cooling, now)
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


async def _throttled(uow: UnitOfWork, cooling: str, now: datetime) -> Redemption | None:
    """A refusal while codes are refused for everyone, or this user is cooling down."""
    limits = ((GLOBAL_KEY, GLOBAL_WINDOW, GLOBAL_LIMIT, BUSY), (cooling, COOL_DOWN, 1, THROTTLED))
    for key, window, limit, text in limits:
        ends = await uow.attempts.window_end(key, window, now)
        if ends is not None and await uow.attempts.count(key, window, now) >= limit:
            return Redemption(None, text, math.ceil((ends - now) / timedelta(minutes=1)))
    return None


async def _count_wrong(uow: UnitOfWork, user: str, cooling: str, now: datetime) -> None:
    """Count a wrong code for the user and for everyone; past the user's limit, each further
    try waits out a cool-down (a mistyping user still gets in with the real code)."""
    if await uow.attempts.hit(user, GUESS_WINDOW, now) >= GUESS_LIMIT:
        await uow.attempts.hit(cooling, COOL_DOWN, now)
    if await uow.attempts.hit(GLOBAL_KEY, GLOBAL_WINDOW, now) == GLOBAL_LIMIT:
        log.warning(
            "invite codes refused for everyone: %d wrong codes within %d s",
            GLOBAL_LIMIT,
            GLOBAL_WINDOW.total_seconds(),
        )
