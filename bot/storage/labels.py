"""Members as the operator's tools name them: role, pseudonym and id, never a contact detail."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.storage.uow import UnitOfWork


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
