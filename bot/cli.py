"""The ``concernbot`` command: run, console, keys."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.crypto import KeyringError, create_key_file
from bot.model import Role


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
    parser = argparse.ArgumentParser(prog="concernbot", description=__doc__)
    parser.add_argument("--config", type=Path, default=None, help="path to the TOML settings")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more (never content)")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve every configured channel")
    run.add_argument("--config", type=Path, default=argparse.SUPPRESS)
    console = commands.add_parser("console", help="chat in this terminal")
    console.add_argument("--config", type=Path, default=argparse.SUPPRESS)
    console.add_argument("--as", dest="role", choices=[r.value for r in Role], default="reporter")
    console.add_argument("--user", default=None, help="local user name (default: $USER)")
    console.add_argument("--language", choices=["nl", "en"], default=None)
    keys = commands.add_parser("keys", help="manage encryption keys")
    keys.add_argument("--config", type=Path, default=argparse.SUPPRESS)
    keys.add_argument("action", choices=["init"], help="init: create the local key file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``concernbot`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings(args.config or default_config_path())
        if args.command == "keys":
            return _keys_init(settings)
        if args.command in ("console", "run"):
            from bot.console_app import run_console

            role = Role(getattr(args, "role", "reporter"))
            user = getattr(args, "user", None) or os.environ.get("USER") or role.value
            language = getattr(args, "language", None)
            with contextlib.suppress(KeyboardInterrupt):
                return asyncio.run(run_console(settings, role, user, language))
            return 130
    except (ConfigError, KeyringError) as error:
        print(f"concernbot: {error}", file=sys.stderr)
        return 2
    return 0


def _keys_init(settings: Settings) -> int:
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


if __name__ == "__main__":
    raise SystemExit(main())
