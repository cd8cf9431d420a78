"""The terminal chat as a plug-in: one local user, started by ``concernbot console`` (or by
``concernbot run`` when no other channel is configured), never by a token."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapters.console.chat import CHANNEL as NAME
from adapters.console.chat import ConsoleAdapter
from bot.channels.events import Address
from bot.channels.protocol import Channel, ChannelContext, Runtime
from bot.settings import Settings


class ConsoleChannel:
    """A chat in this terminal; its settings are the core's ``[console]``."""

    name = NAME
    loggers: tuple[str, ...] = ()

    def settings(self, table: Mapping[str, Any], environ: Mapping[str, str]) -> None:
        """No table of its own: ``[console]`` is the core's (local enrolment reads it)."""
        return None

    def check(self, channel_settings: Any, settings: Settings) -> None:
        """Nothing to check."""

    def configured(self, channel_settings: Any, environ: Mapping[str, str]) -> bool:
        """Never by the environment: the terminal chat is asked for."""
        return False

    async def invite_hints(
        self, channel_settings: Any, environ: Mapping[str, str], code: str
    ) -> list[str]:
        """None: a terminal user is enrolled by ``concernbot console``."""
        return []

    def alert_feeds(self, channel_settings: Any) -> dict[str, Address]:
        """No alert feeds."""
        return {}

    def build(self, context: ChannelContext) -> Runtime:
        """The terminal of the user in ``options["user"]``."""
        options = context.options
        return ConsoleAdapter(
            str(options["user"]),
            stdin=options.get("stdin"),
            stdout=options.get("stdout"),
            language=options.get("language"),
            files=Path(options.get("files", "var/exports")),
        )


CHANNEL: Channel = ConsoleChannel()
