"""The channels a process knows: plug-ins by name, each loaded on first use.

The entry point hands a ``Channels`` (``adapters.registry.REGISTRY``) to the settings loader
and the composition root; the core itself knows no channel by name."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from bot.channels.events import Address
from bot.channels.protocol import Channel, ChannelLoader
from bot.settings import CORE_SECTIONS
from bot.startup_errors import ConfigError

if TYPE_CHECKING:
    from bot.settings import Settings


class Channels:
    """Channel plug-ins by name; ``plus`` gives a catalog with one more (a test's own)."""

    def __init__(self, loaders: Mapping[str, ChannelLoader]) -> None:
        self._loaders = dict(loaders)
        self._loaded: dict[str, Channel] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """Every channel's name, in registration order."""
        return tuple(self._loaders)

    def plus(self, name: str, loader: ChannelLoader) -> Channels:
        """This catalog with the channel ``name`` added (or replaced)."""
        return Channels({**self._loaders, name: loader})

    def only(self, *names: str) -> Channels:
        """This catalog with only the channels named."""
        return Channels({n: loader for n, loader in self._loaders.items() if n in names})

    def __getitem__(self, name: str) -> Channel:
        if name not in self._loaded:
            self._loaded[name] = self._loaders[name]()
        return self._loaded[name]

    def __iter__(self) -> Iterator[Channel]:
        return (self[name] for name in self._loaders)

    def read(
        self, tables: Mapping[str, object], environ: Mapping[str, str], where: object = None
    ) -> dict[str, Any]:
        """Each channel's settings from its table (the channel's defaults when it has none);
        a table no core section and no channel claims is refused."""
        unknown = set(tables) - set(CORE_SECTIONS) - {"networks", *self._loaders}
        if unknown:
            place = where if where is not None else "the configuration"
            raise ConfigError(f"unknown sections in {place}: {', '.join(sorted(unknown))}")
        read: dict[str, Any] = {}
        for channel in self:
            table = {} if channel.name in CORE_SECTIONS else tables.get(channel.name, {})
            if not isinstance(table, Mapping):
                raise ConfigError(f"[{channel.name}] must be a table")
            read[channel.name] = channel.settings(table, environ)
        return read

    def settle(self, settings: Settings, environ: Mapping[str, str]) -> Settings:
        """``settings`` with the table of each channel of this catalog read and checked; what
        was read already (or a test put there) is kept, other channels' tables left as they are."""
        raw = {
            n: v
            for n, v in settings.channels.items()
            if isinstance(v, Mapping) and n in self._loaders
        }
        read = {n: v for n, v in settings.channels.items() if n not in raw}
        if not raw and set(self._loaders) <= set(read):
            return settings
        settled = dataclasses.replace(settings, channels=self.read(raw, environ) | read)
        self.check(settled)
        return settled

    def check(self, settings: Settings) -> None:
        """Each channel's checks of its settings against the core's."""
        for channel in self:
            channel.check(settings.channels.get(channel.name), settings)

    def configured(self, settings: Settings, environ: Mapping[str, str]) -> list[str]:
        """The channels the environment configures (their tokens are set)."""
        return [
            channel.name
            for channel in self
            if channel.configured(settings.channels.get(channel.name), environ)
        ]

    def feeds(
        self, settings: Settings, environ: Mapping[str, str]
    ) -> dict[str, tuple[Address, ...]]:
        """Each network's shared alert feeds, from the configured channels that offer one."""
        feeds: dict[str, tuple[Address, ...]] = {}
        for name in self.configured(settings, environ):
            for network, address in self[name].alert_feeds(settings.channels.get(name)).items():
                feeds[network] = (*feeds.get(network, ()), address)
        return feeds

    def loggers(self) -> tuple[str, ...]:
        """Every channel's loggers to hold at WARNING."""
        return tuple(logger for channel in self for logger in channel.loggers)

    async def invite_hints(
        self, settings: Settings, environ: Mapping[str, str], code: str
    ) -> list[str]:
        """How an invitee joins with ``code``, one line per channel that says."""
        lines: list[str] = []
        for channel in self:
            lines += await channel.invite_hints(settings.channels.get(channel.name), environ, code)
        return lines
