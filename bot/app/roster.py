"""Who is who, for the operator: ``concernbot members`` and the actors in ``concernbot audit``.

Members are shown by id, role, organisation, channel, language and pseudonym; a display name
only when asked for, and never a channel account id or any other contact detail.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

from bot.app.composition import bootstrap
from bot.app.config import Settings
from bot.domain.model import Member
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


async def labels(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    """``role pseudonym #id`` for each member id (an unknown id keeps only ``#id``)."""
    found: dict[int, str] = {}
    for member_id in {i for i in ids if i is not None}:
        member = await uow.members.get(member_id)
        found[member_id] = (
            f"{member.role.value} {member.pseudonym} #{member_id}"
            if member is not None
            else f"#{member_id}"
        )
    return found


def label(member_id: int | None, known: Mapping[int, str]) -> str:
    """The label of ``member_id``, or ``-`` when there is none."""
    if member_id is None:
        return "-"
    return known.get(member_id, f"#{member_id}")
