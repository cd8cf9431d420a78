"""A network of organisations: its role division, referral routes and rules."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import DomainError


@dataclass(frozen=True)
class RoleContact:
    """One line of the network's role division: who does what, and how to reach them."""

    role: str
    who: str
    contact: str


@dataclass(frozen=True)
class Organisation:
    """A member organisation of a network, with its working procedure and agreements."""

    id: str
    name: str
    procedure: str = ""
    agreements: str = ""


@dataclass(frozen=True)
class Referral:
    """Somewhere else a professional can turn: a national advice line, Veilig Thuis, the police."""

    id: str
    name: str
    what_for: str
    contact: str


@dataclass(frozen=True)
class Network:
    """A local network of organisations that share concerns, with its own rules."""

    id: str
    name: str
    organisations: tuple[Organisation, ...]
    roles: tuple[RoleContact, ...] = ()
    digest_threshold: int = 5
    retention_days: int = 365
    referrals: tuple[Referral, ...] = ()
    areas: tuple[str, ...] = ()
    """The areas (districts) a reporter chooses from in the intake; none: not asked."""

    def referral(self, referral_id: str) -> Referral | None:
        """The referral route with this id, if the network has it."""
        return next((r for r in self.referrals if r.id == referral_id), None)

    def organisation(self, organisation_id: str) -> Organisation:
        """Return the organisation with this id or raise ``DomainError``."""
        for org in self.organisations:
            if org.id == organisation_id:
                return org
        raise DomainError("unknown_organisation")


@dataclass(frozen=True)
class Municipality:
    """A municipality that directs the local approach of one or more networks (its regie)."""

    id: str
    name: str
    networks: tuple[str, ...]
