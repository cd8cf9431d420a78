"""Operator commands behind the CLI: jobs, keys, audit, export. Core only, no channels."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app.catalog import Channels
from bot.app.composition import NO_CHANNELS, App, bootstrap
from bot.conversation.cards import when
from bot.domain.model import AccessLogEntry
from bot.domain.reference import normalise_reference
from bot.scheduling.dry_run import rehearse, report
from bot.settings import Settings
from bot.startup_errors import ConfigError
from bot.storage.crypto import create_key_file, new_key_line
from bot.storage.labels import label, labels
from bot.storage.rotation import key_usage, rotate
from bot.usecases.data_rights import export_member


def local_time(text: str, settings: Settings) -> datetime:
    """Parse an operator's ISO date-time; a naive one is in the bot's own time zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"not an ISO date or date-time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(settings.bot.timezone))
    return moment


async def jobs(
    settings: Settings,
    action: str,
    name: str | None,
    at: str | None,
    dry_run: bool = False,
    yes: bool = False,
    channels: Channels = NO_CHANNELS,
) -> int:
    """``jobs list`` or ``jobs run NAME [--at] [--dry-run | --yes]``; ``channels`` give the
    alert feeds the jobs post to."""
    app = await bootstrap(settings, channels=channels)
    try:
        scheduler = app.scheduler
        if action == "list":
            for job, next_run in scheduler.next_runs().items():
                shown = when(next_run, settings.bot.timezone) if next_run else "-"
                print(f"{job:<10} next run {shown}")
            return 0
        if name not in scheduler.jobs:
            raise ConfigError(f"name a job to run: {', '.join(scheduler.jobs)}")
        moment = local_time(at, settings) if at else None
        if dry_run:
            rehearsal = await rehearse(app.uow, scheduler, name, moment)
            shown = when(moment or app.clock.now(), settings.bot.timezone)
            print("\n".join(report(rehearsal, shown)))
            return 0
        if moment is not None and moment > app.clock.now() and not yes:
            print(
                f"concernbot: {when(moment, settings.bot.timezone)} is in the future. Running "
                f"{name} as of then sends real messages now and moves real deadlines (what is "
                f"due by then is treated as late already). See what it would do with --dry-run; "
                f"do it anyway with --yes.",
                file=sys.stderr,
            )
            return 2
        run = await scheduler.run(name, moment)
        state = "ran" if run.ran else "already done for this period"
        print(f"{name} {run.period}: {state}; {run.messages} messages queued")
        return 0
    finally:
        await app.close()


def keys_init(settings: Settings) -> int:
    """Create the local key file when keys do not come from the environment."""
    env_name = settings.crypto.keys_env
    if os.environ.get(env_name):
        print(f"Keys come from ${env_name}; no key file needed.")
        return 0
    path = Path(settings.crypto.key_file)
    if create_key_file(path):
        print(
            f"Created a new local encryption key in {path} (keep it safe and out of git; "
            f"without it the stored data cannot be read)."
        )
    return 0


def keys_new(settings: Settings) -> int:
    """Put a new active key in front: in the key file, or printed for the variable."""
    line = new_key_line()
    env_name = settings.crypto.keys_env
    if os.environ.get(env_name):
        print(f"Set ${env_name} to: {line.split(':')[0]}:<new key>,{os.environ[env_name]}")
        print(f"New key (store it like the others): {line}")
        return 0
    path = Path(settings.crypto.key_file)
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(line + "\n" + old, encoding="utf-8")
    path.chmod(0o600)
    print(
        f"Added key {line.split(':')[0]} to {path}; it seals new values. "
        f"Run 'concernbot keys rotate' to re-encrypt the rest."
    )
    return 0


async def keys_status(settings: Settings) -> int:
    """How many stored values each key id sealed; which keys can be retired."""
    app = await bootstrap(settings)
    try:
        usage = await key_usage(app.engine)
        ring = app.uow.cipher.ring
        for kid, _ in ring.keys:
            state = (
                "active"
                if kid == ring.active_id
                else ("unused: can be retired" if usage.get(kid, 0) == 0 else "still in use")
            )
            print(f"{kid:<12} {usage.get(kid, 0):>8} values  {state}")
        return 0
    finally:
        await app.close()


async def keys_rotate(settings: Settings) -> int:
    """Re-encrypt every value with the active key, showing progress."""
    app = await bootstrap(settings)
    try:

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            sys.stderr.write(f"\rrotating [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            sys.stderr.flush()

        count = await rotate(app.engine, app.uow.cipher, progress=progress)
        sys.stderr.write("\n" if count else "")
        print(f"Re-encrypted {count} values with key {app.uow.cipher.ring.active_id}.")
        return 0
    finally:
        await app.close()


async def audit(
    settings: Settings, concern: str | None, member: int | None, since: str | None
) -> int:
    """Print access-log rows matching the filters, oldest first."""
    app = await bootstrap(settings)
    try:
        async with app.uow() as uow:
            rows = await uow.access_log.entries(
                normalise_reference(concern) if concern else None,
                member,
                local_time(since, settings) if since else None,
            )
            who = await labels(
                uow, [i for r in rows for i in (r.actor_member_id, r.subject_member_id)]
            )
        zone = settings.bot.timezone
        for row in rows:
            print(_audit_line(row, zone, who))
        print(f"{len(rows)} rows", file=sys.stderr)
        return 0
    finally:
        await app.close()


def _audit_line(row: AccessLogEntry, zone: str, who: Mapping[int, str]) -> str:
    fields = [
        when(row.at, zone),
        f"actor={label(row.actor_member_id, who)}",
        f"for={row.on_behalf_of or '-'}",
        f"concern={row.concern_reference or '-'}",
        f"member={label(row.subject_member_id, who)}",
        f"action={row.action}",
        f"outcome={row.outcome}",
        f"channel={row.channel or '-'}",
    ]
    return "  ".join(fields)


async def export(settings: Settings, member_id: int, output: Path | None) -> int:
    """Write everything stored about a member as JSON (to a file, or standard output)."""
    app = await bootstrap(settings)
    try:
        data = await _export(app, member_id)
    finally:
        await app.close()
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output is None:
        print(text)
    else:
        _write_private(output, text)
        print(f"Wrote the export of member {member_id} to {output}", file=sys.stderr)
    return 0


async def _export(app: App, member_id: int) -> dict[str, object]:
    async with app.uow() as uow:
        data = await export_member(uow, member_id, app.clock.now(), on_behalf_of="operator")
        if data is None:
            raise ConfigError(f"no member with id {member_id}")
        await uow.commit()
    return data


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
