"""Members' authenticator secrets (sealed like free text) and the state of their codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from bot.domain.clock import as_utc
from bot.storage.crypto import Cipher
from bot.storage.statements import Statements
from bot.storage.tables import totp_secrets

_SECRET = "totp_secrets.secret"


def _moment(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


@dataclass(frozen=True)
class TotpRecord:
    """One member's secret and where their codes stand."""

    member_id: int
    secret: str
    created_at: datetime
    confirmed_at: datetime | None
    last_step: int | None
    verified_at: datetime | None
    failures: int
    locked_until: datetime | None

    @property
    def active(self) -> bool:
        """True once the first code confirmed the enrolment."""
        return self.confirmed_at is not None


class TotpSecrets:
    """Stores, confirms and forgets members' secrets; never logs or returns a code."""

    def __init__(self, connection: Statements, cipher: Cipher) -> None:
        self._c = connection
        self._cipher = cipher

    async def get(self, member_id: int) -> TotpRecord | None:
        """The member's record (pending or active), if any."""
        query = select(totp_secrets).where(totp_secrets.c.member_id == member_id)
        row = (await self._c.execute(query)).first()
        if row is None:
            return None
        return TotpRecord(
            member_id=row.member_id,
            secret=self._cipher.open(row.secret_enc, _SECRET),
            created_at=as_utc(row.created_at),
            confirmed_at=_moment(row.confirmed_at),
            last_step=row.last_step,
            verified_at=_moment(row.verified_at),
            failures=row.failures,
            locked_until=_moment(row.locked_until),
        )

    async def begin(self, member_id: int, secret: str, at: datetime) -> None:
        """Keep a new secret, not yet active (one pending before is replaced)."""
        await self.remove(member_id)
        await self._c.execute(
            insert(totp_secrets).values(
                member_id=member_id,
                secret_enc=self._cipher.seal(secret, _SECRET),
                created_at=at,
                failures=0,
            )
        )

    async def accepted(self, member_id: int, step: int, at: datetime) -> None:
        """A right code of time-step ``step``: active from now, attempts start afresh."""
        await self._c.execute(
            update(totp_secrets)
            .where(totp_secrets.c.member_id == member_id)
            .values(last_step=step, verified_at=at, failures=0, locked_until=None)
        )
        await self._c.execute(
            update(totp_secrets)
            .where(totp_secrets.c.member_id == member_id, totp_secrets.c.confirmed_at.is_(None))
            .values(confirmed_at=at)
        )

    async def set_failures(
        self, member_id: int, failures: int, locked_until: datetime | None
    ) -> None:
        """Count wrong codes in a row, and lock further tries until ``locked_until``."""
        await self._c.execute(
            update(totp_secrets)
            .where(totp_secrets.c.member_id == member_id)
            .values(failures=failures, locked_until=locked_until)
        )

    async def remove(self, member_id: int) -> bool:
        """Forget the member's secret; False when they had none."""
        result = await self._c.execute(
            delete(totp_secrets).where(totp_secrets.c.member_id == member_id)
        )
        return bool(result.rowcount)
