"""The ``concernbot`` command: run, console, invite, jobs, keys, members, audit, export.

This module is the command line's entry point: it is the one place in ``bot/`` that may
load the adapters, and it does so only inside ``main`` — the channel registry, handed to the
settings loader and the composition root, and the service or terminal chat that ``run`` and
``console`` start. The core itself names no channel.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app.catalog import Channels
from bot.app.config import ConfigError, Settings, load_settings
from bot.app.logs import configure_logging
from bot.domain.durations import parse_duration
from bot.domain.model import Role
from bot.startup_errors import INTERRUPTED, StartupError, epilog
from bot.storage.crypto import KeyringError


def default_config_path() -> Path | None:
    """``$CONCERNBOT_CONFIG``, else ``config.toml``, else ``config.example.toml`` if present."""
    named = os.environ.get("CONCERNBOT_CONFIG")
    if named:
        return Path(named)
    for candidate in ("config.toml", "config.example.toml"):
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="concernbot",
        description=__doc__.splitlines()[0],
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, default=None, help="path to the TOML settings")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more (never content)")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--config", type=Path, default=argparse.SUPPRESS)
        return sub

    command("run", "serve every configured channel (the terminal chat when none is)")
    console = command("console", "chat in this terminal")
    console.add_argument("--as", dest="role", choices=[r.value for r in Role], default="reporter")
    console.add_argument("--user", default=None, help="local user name (default: $USER)")
    console.add_argument("--language", choices=["nl", "en"], default=None)
    invite = command("invite", "print a single-use invitation code and link")
    invite.add_argument("--org", required=True, help="organisation id from the configuration")
    invite.add_argument("--role", choices=[r.value for r in Role], required=True)
    invite.add_argument("--expires", default="7d", help="validity, e.g. 7d, 48h (default 7d)")
    jobs = command("jobs", "list the scheduled jobs, or run one once")
    jobs.add_argument("action", choices=["list", "run"])
    jobs.add_argument("name", nargs="?", help="the job to run")
    jobs.add_argument("--at", default=None, help="run as of this ISO date-time (default now)")
    mode = jobs.add_mutually_exclusive_group()
    mode.add_argument(
        "--dry-run",
        action="store_true",
        help="show what the run would send and change (never message text); store nothing",
    )
    mode.add_argument(
        "--yes",
        action="store_true",
        help="run as of a future --at (it sends real messages and moves real deadlines)",
    )
    keys = command("keys", "manage encryption keys")
    keys.add_argument(
        "action",
        choices=["init", "new", "status", "rotate"],
        help="init: create the local key file; new: add a new active key; status: values per "
        "key; rotate: re-encrypt everything with the active key",
    )
    members = command(
        "members",
        "list the members: id, role, organisation, channel, language; "
        "or 'reset-2fa MEMBER': forget a member's authenticator app (a lost phone)",
    )
    members.add_argument("action", nargs="?", choices=["reset-2fa"], help="reset-2fa MEMBER")
    members.add_argument("member", nargs="?", help="the member's id or pseudonym")
    members.add_argument(
        "--names", action="store_true", help="also show display names (never contact details)"
    )
    audit = command("audit", "print the access log (who acted, by role and pseudonym)")
    audit.add_argument("--concern", default=None, help="only this reference")
    audit.add_argument("--member", type=int, default=None, help="only this member id")
    audit.add_argument("--since", default=None, help="only from this ISO date-time")
    export = command("export", "write everything stored about a member as JSON")
    export.add_argument("--member", type=int, required=True, help="the member id")
    export.add_argument("--output", type=Path, default=None, help="file (default: stdout)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``concernbot`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    from adapters.registry import REGISTRY

    configure_logging(args.verbose, quiet=REGISTRY.loggers())
    try:
        settings = load_settings(args.config or default_config_path(), channels=REGISTRY)
        # Loaded once the settings are known to be good: a mistake in them is told at once.
        from bot.app import operator

        if args.command == "keys" and args.action in ("init", "new"):
            return (
                operator.keys_init(settings)
                if args.action == "init"
                else operator.keys_new(settings)
            )
        with contextlib.suppress(KeyboardInterrupt):
            return asyncio.run(_dispatch(args, settings, REGISTRY))
        return INTERRUPTED
    except (ConfigError, KeyringError) as error:
        print(f"concernbot: {error}", file=sys.stderr)
        return ConfigError.status
    except StartupError as error:
        # Only what a part translated at its start: anything else is a bug, with a traceback.
        print(f"concernbot: {error}", file=sys.stderr)
        return error.status
    except BrokenPipeError:
        # The reader of our output went away (e.g. '| head'): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


async def _dispatch(args: argparse.Namespace, settings: Settings, channels: Channels) -> int:
    from bot.app import operator

    if args.command == "invite":
        return await _invite(settings, channels, args.org, Role(args.role), args.expires)
    if args.command == "jobs":
        return await operator.jobs(
            settings, args.action, args.name, args.at, args.dry_run, args.yes, channels
        )
    if args.command == "keys":
        if args.action == "status":
            return await operator.keys_status(settings)
        return await operator.keys_rotate(settings)
    if args.command == "members":
        from bot.app.roster import members, reset_two_factor

        if args.action == "reset-2fa":
            if not args.member:
                raise ConfigError("members reset-2fa needs a member id or pseudonym")
            return await reset_two_factor(settings, args.member)
        return await members(settings, args.names)
    if args.command == "audit":
        return await operator.audit(settings, args.concern, args.member, args.since)
    if args.command == "export":
        return await operator.export(settings, args.member, args.output)
    return await _chat(args, settings, channels)


async def _chat(args: argparse.Namespace, settings: Settings, channels: Channels) -> int:
    if args.command == "run" and channels.configured(settings, os.environ):
        from adapters.service import serve_until_signal

        return await serve_until_signal(settings, os.environ, channels)
    # The terminal chat serves no HTTP: the server and its libraries are not even loaded.
    from adapters.console.app import run_console

    role = Role(getattr(args, "role", "reporter"))
    user = getattr(args, "user", None) or os.environ.get("USER") or role.value
    return await run_console(settings, role, user, getattr(args, "language", None), channels)


async def _invite(
    settings: Settings, channels: Channels, organisation: str, role: Role, expires: str
) -> int:
    from bot.app.composition import bootstrap
    from bot.usecases.invites import create_invite

    try:
        valid_for = parse_duration(expires)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    app = await bootstrap(settings)
    try:
        async with app.uow() as uow:
            code = await create_invite(
                uow, settings, organisation, role, valid_for, app.clock.now()
            )
            await uow.commit()
    finally:
        await app.close()
    print(f"Invitation code ({role.value}, {organisation}, valid {expires}): {code}")
    for line in await channels.invite_hints(settings, os.environ, code):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
