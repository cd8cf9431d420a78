"""Settings: a TOML file, then environment overrides ``CONCERNBOT_<SECTION>_<KEY>``.

The core reads its own sections (``bot.settings``); every other table belongs to a
channel, whose own settings type reads and checks it (``bot.app.catalog``)."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.app.config_regie import check_municipalities, municipalities
from bot.app.config_rules import check_deadlines, check_endpoints
from bot.app.sections import is_int, section
from bot.domain.model import Network, Organisation, Referral, RoleContact
from bot.settings import CORE_SECTIONS
from bot.settings import BotSettings as BotSettings
from bot.settings import ConsoleSettings as ConsoleSettings
from bot.settings import CryptoSettings as CryptoSettings
from bot.settings import DatabaseSettings as DatabaseSettings
from bot.settings import DeadlineSettings as DeadlineSettings
from bot.settings import HttpSettings as HttpSettings
from bot.settings import LimitSettings as LimitSettings
from bot.settings import OutboxSettings as OutboxSettings
from bot.settings import SchedulerSettings as SchedulerSettings
from bot.settings import Settings as Settings
from bot.startup_errors import ConfigError as ConfigError

if TYPE_CHECKING:
    from bot.app.catalog import Channels


def load_settings(
    path: Path | None, environ: Mapping[str, str] | None = None, channels: Channels | None = None
) -> Settings:
    """Read ``path`` (when given) and apply environment overrides. With ``channels``, each
    channel's table is read and checked by its own settings type (and a table no one claims
    is refused); without, channel tables stay raw until a composition root settles them."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"configuration file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from exc
    tables = {name: value for name, value in raw.items() if name not in CORE_SECTIONS}
    tables.pop("networks", None)
    tables.pop("municipalities", None)
    read: dict[str, Any] = tables
    if channels is not None:
        read = channels.read(tables, env, path)
    sections = {
        name: section(name, kind, raw.get(name, {}), env) for name, kind in CORE_SECTIONS.items()
    }
    deadlines = sections["deadlines"]
    entries = raw.get("networks", [])
    networks = tuple(_network(item) for item in entries)
    own = {
        str(item["id"]): found
        for item in entries
        if (found := _network_deadlines(item, deadlines)) is not None
    }
    settings = Settings(
        networks=networks,
        network_deadlines=own,
        municipalities=municipalities(raw.get("municipalities", [])),
        channels=read,
        **sections,
    )
    _check(settings)
    if channels is not None:
        channels.check(settings)
    return settings


def _known(table: object, where: str, keys: set[str]) -> Mapping[str, Any]:
    """``table`` as a mapping, refused when it is not a table or has keys not in ``keys``."""
    if not isinstance(table, dict):
        raise ConfigError(f"each {where} entry must be a table")
    unknown = set(table) - keys
    if unknown:
        raise ConfigError(f"a {where} entry has unknown keys: {', '.join(sorted(unknown))}")
    return table


def _whole(item: Mapping[str, Any], key: str, default: int) -> int:
    value = item.get(key, default)
    if not is_int(value):
        raise ConfigError(f"[[networks]] {key} must be a whole number")
    return int(value)


_NETWORK_KEYS = {
    "id",
    "name",
    "organisations",
    "roles",
    "digest_threshold",
    "retention_days",
    "referrals",
    "deadlines",
    "areas",
}
_REFERRAL_KEYS = {"id", "name", "what_for", "contact"}


def _network_deadlines(item: Mapping[str, Any], bot: DeadlineSettings) -> DeadlineSettings | None:
    """The network's ``[networks.deadlines]`` over the bot's ``[deadlines]``, or None."""
    table = item.get("deadlines")
    if table is None:
        return None
    own = section("networks.deadlines", DeadlineSettings, table, {})
    return dataclasses.replace(bot, **{key: getattr(own, key) for key in table})


def _network(entry: object) -> Network:
    item = _known(entry, "[[networks]]", _NETWORK_KEYS)
    try:
        organisations = tuple(
            Organisation(
                id=str(org["id"]),
                name=str(org["name"]),
                procedure=str(org.get("procedure", "")).strip(),
                agreements=str(org.get("agreements", "")).strip(),
            )
            for org in (
                _known(o, "[[networks.organisations]]", {"id", "name", "procedure", "agreements"})
                for o in item.get("organisations", [])
            )
        )
        roles = tuple(
            RoleContact(role=str(r["role"]), who=str(r["who"]), contact=str(r.get("contact", "")))
            for r in (
                _known(r, "[[networks.roles]]", {"role", "who", "contact"})
                for r in item.get("roles", [])
            )
        )
        referrals = tuple(
            Referral(str(r["id"]), str(r["name"]), str(r["what_for"]), str(r["contact"]))
            for r in (
                _known(r, "[[networks.referrals]]", _REFERRAL_KEYS)
                for r in item.get("referrals", [])
            )
        )
        return Network(
            id=str(item["id"]),
            name=str(item["name"]),
            organisations=organisations,
            roles=roles,
            referrals=referrals,
            digest_threshold=_whole(item, "digest_threshold", 5),
            retention_days=_whole(item, "retention_days", 365),
            areas=_areas(item),
        )
    except KeyError as exc:
        raise ConfigError(f"a [[networks]] entry lacks the key {exc.args[0]!r}") from exc


def _areas(item: Mapping[str, Any]) -> tuple[str, ...]:
    """The network's ``areas``: a list of distinct, non-empty names."""
    value = item.get("areas", [])
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        raise ConfigError('[[networks]] areas must be a list of area names, e.g. ["Centrum"]')
    areas = tuple(a.strip() for a in value)
    if len(set(areas)) != len(areas) or "unknown" in areas:
        raise ConfigError("[[networks]] areas must be distinct names (and not 'unknown')")
    return areas


def _check(settings: Settings) -> None:
    ids = [n.id for n in settings.networks]
    if len(ids) != len(set(ids)):
        raise ConfigError("network ids must be unique")
    for network in settings.networks:
        if not network.organisations:
            raise ConfigError(f"network {network.id!r} needs at least one organisation")
        if network.digest_threshold < 1:
            raise ConfigError(f"network {network.id!r}: digest_threshold must be at least 1")
        if network.retention_days < 1:
            raise ConfigError(f"network {network.id!r}: retention_days must be at least 1")
        if network.id in settings.network_deadlines:
            where = f"network {network.id!r}: [networks.deadlines]"
            check_deadlines(settings.network_deadlines[network.id], where)
    check_deadlines(settings.deadlines, "[deadlines]")
    check_municipalities(settings)
    try:
        ZoneInfo(settings.bot.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"[bot] timezone {settings.bot.timezone!r} is not known") from exc
    _check_crontab(settings.scheduler.digest_cron, "digest_cron")
    _check_crontab(settings.scheduler.retention_cron, "retention_cron")
    check_endpoints(settings)
    if not 1 <= settings.scheduler.details_removal_hours < 48:
        # Telegram deletes a bot's message only within 48 hours of sending it.
        raise ConfigError("[scheduler] details_removal_hours must be from 1 to 47")
    if settings.outbox.max_in_flight < 1:
        raise ConfigError("[outbox] max_in_flight must be at least 1")
    if settings.bot.default_language not in ("nl", "en"):
        raise ConfigError("[bot] default_language must be 'nl' or 'en'")
    if not 1 <= settings.security.step_up_idle_minutes <= 24 * 60:
        raise ConfigError("[security] step_up_idle_minutes must be from 1 to 1440")


def _check_crontab(line: str, key: str) -> None:
    fields = line.split()
    if len(fields) != 5:
        raise ConfigError(f"[scheduler] {key} must be a crontab line of five fields")
