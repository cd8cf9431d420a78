"""Who is who, for the operator: ``concernbot members`` and the actors in ``concernbot audit``;
``concernbot members reset-2fa <member>`` for a member who lost their authenticator app.

Members are shown by id, role, organisation, channel, language and pseudonym; a display name
only when asked for, and never a channel account id or any other contact detail.
"""

from __future__ import annotations

import sys

from bot.app.composition import bootstrap
from bot.domain.model import AccessLogEntry, Member
from bot.settings import Settings
from bot.startup_errors import ConfigError
from bot.storage.uow import UnitOfWork

COLUMNS = ("id", "network", "organisation", "role", "channel", "language", "pseudonym", "flags")


async def members(settings: Settings, names: bool = False) -> int:
    """Print every member of the configured networks, one line each (names only on request)."""
    app = await bootstrap(settings)
    try:
        rows: list[tuple[str, ...]] = []
        async with app.uow() as uow:
            for network in settings.networks:
                addresses = await uow.members.addresses_in(network.id)
                for member in await uow.members.in_network(network.id):
                    address = addresses.get(member.id) if member.id is not None else None
                    row = _row(member, address.channel if address else "-")
                    rows.append((*row, member.display_name) if names else row)
    finally:
        await app.close()
    header = (*COLUMNS, "name") if names else COLUMNS
    _print_table([header, *rows])
    print(f"{len(rows)} members", file=sys.stderr)
    return 0


def _row(member: Member, channel: str) -> tuple[str, ...]:
    flags = [
        flag for flag, on in (("backup", member.backup), ("unreachable", member.unreachable)) if on
    ]
    return (
        str(member.id),
        member.network_id,
        member.organisation_id,
        member.role.value,
        channel,
        member.language,
        member.pseudonym,
        ",".join(flags) or "-",
    )


def _print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


async def reset_two_factor(settings: Settings, who: str) -> int:
    """Forget a member's authenticator secret (a lost phone), so that they set it up again
    with /2fa; logged in the access log as done by the operator."""
    app = await bootstrap(settings)
    try:
        async with app.uow() as uow:
            member = await _find(uow, settings, who)
            if member is None or member.id is None:
                raise ConfigError(f"no member {who!r} (give an id or a pseudonym)")
            removed = await uow.totp.remove(member.id)
            await uow.access_log.add(
                AccessLogEntry(
                    at=app.clock.now(),
                    actor_member_id=None,
                    action="totp_reset",
                    outcome="ok" if removed else "none",
                    subject_member_id=member.id,
                    on_behalf_of="operator",
                )
            )
            await uow.commit()
    finally:
        await app.close()
    if removed:
        print(f"Reset the second factor of member {member.id}; they set it up again with /2fa.")
    else:
        print(f"Member {member.id} had no second factor set up; nothing changed.")
    return 0


async def _find(uow: UnitOfWork, settings: Settings, who: str) -> Member | None:
    """A member by id, or by pseudonym in any configured network."""
    if who.isdigit():
        return await uow.members.get(int(who))
    for network in settings.networks:
        for member in await uow.members.in_network(network.id):
            if member.pseudonym.upper() == who.upper():
                return member
    return None
