"""The ``[[municipalities]]`` entries: each municipality and the networks it directs (regie)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.domain.network import Municipality
from bot.startup_errors import ConfigError, refusal

if TYPE_CHECKING:
    from bot.settings import Settings

_KEYS = {"id", "name", "networks"}
EXAMPLE = 'id = "demostad", name = "Gemeente Demostad", networks = ["demo"]'


def _entry(index: int, entry: object) -> Municipality:
    where = f"[[municipalities]] entry {index + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(refusal(where, "is not a table", f"write it as {EXAMPLE}"))
    table: dict[str, Any] = entry
    unknown = set(table) - _KEYS
    if unknown:
        raise ConfigError(
            refusal(
                where, f"has unknown keys: {', '.join(sorted(unknown))}", "use id, name, networks"
            )
        )
    missing = [key for key in ("id", "name", "networks") if key not in table]
    if missing:
        raise ConfigError(refusal(where, f"lacks {', '.join(missing)}", f"write {EXAMPLE}"))
    networks = table["networks"]
    if (
        not isinstance(networks, list)
        or not networks
        or not all(isinstance(n, str) and n for n in networks)
    ):
        raise ConfigError(
            refusal(f"{where} networks", "must be a non-empty list of network ids", EXAMPLE)
        )
    return Municipality(str(table["id"]), str(table["name"]), tuple(networks))


def municipalities(entries: object) -> tuple[Municipality, ...]:
    """The ``[[municipalities]]`` entries read, each checked on its own."""
    if not isinstance(entries, list):
        raise ConfigError(refusal("[[municipalities]]", "must be an array of tables", EXAMPLE))
    return tuple(_entry(index, entry) for index, entry in enumerate(entries))


def check_municipalities(settings: Settings) -> None:
    """Ids unique, every named network configured, and each network directed by at most one
    municipality (an adviser sees the networks of the one that directs theirs)."""
    known = {n.id for n in settings.networks}
    ids = [m.id for m in settings.municipalities]
    if len(ids) != len(set(ids)):
        raise ConfigError(refusal("[[municipalities]] id", "must be unique", "rename one"))
    directed: dict[str, str] = {}
    for municipality in settings.municipalities:
        where = f"[[municipalities]] {municipality.id!r} networks"
        for network_id in municipality.networks:
            if network_id not in known:
                raise ConfigError(
                    refusal(
                        where,
                        f"names {network_id!r}, which is no configured network",
                        f"use one of: {', '.join(sorted(known)) or '(none)'}",
                    )
                )
            if network_id in directed:
                raise ConfigError(
                    refusal(
                        where,
                        f"names {network_id!r}, which {directed[network_id]!r} directs already",
                        "let one municipality direct each network",
                    )
                )
            directed[network_id] = municipality.id
