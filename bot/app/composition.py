"""The composition root: the one place that wires real or fake parts together."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.channels.events import Address
from bot.conversation.core import Bot
from bot.conversation.flows import Flow
from bot.domain.clock import Clock, SystemClock
from bot.storage.crypto import Cipher, KeyringError, load_key_ring
from bot.storage.health import StorageHealth
from bot.storage.opening import open_database
from bot.storage.tables import members
from bot.storage.uow import UnitOfWorkFactory


def default_flows() -> dict[str, Flow]:
    """Every dialog the bot offers, by name."""
    from dialogs.coordinator import ASK, STATUS
    from dialogs.data_rights import ERASE, FORGET
    from dialogs.reporter import ANSWER
    from dialogs.settings import CHAT_HYGIENE, DIGEST, LANGUAGE
    from dialogs.share_flow import FLOW as SHARE
    from dialogs.usefulness import USEFULNESS

    return {
        flow.dialog.name: flow
        for flow in (
            SHARE,
            ASK,
            STATUS,
            ANSWER,
            LANGUAGE,
            CHAT_HYGIENE,
            DIGEST,
            USEFULNESS,
            FORGET,
            ERASE,
        )
    }


@dataclass
class Signal:
    """Calls every connected listener when fired (used to wake outbox workers)."""

    listeners: list[Callable[[], None]] = field(default_factory=list)

    def connect(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` on every ``fire``."""
        self.listeners.append(listener)

    def fire(self) -> None:
        """Call every listener."""
        for listener in self.listeners:
            listener()


@dataclass
class App:
    """A wired bot with its storage; ``close()`` releases the database."""

    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    bot: Bot
    clock: Clock
    outbox_changed: Signal
    feeds: dict[str, tuple[Address, ...]] = field(default_factory=dict)
    storage: StorageHealth = field(init=False)
    """Storage's part of the health report."""

    def __post_init__(self) -> None:
        self.storage = StorageHealth(self.uow)

    async def close(self) -> None:
        """Dispose of the database engines."""
        await self.storage.close()
        self.uow.dispose()
        await self.engine.dispose()


def alert_feeds(settings: Settings, environ: Mapping[str, str]) -> dict[str, tuple[Address, ...]]:
    """Each network's shared alert channels (Slack), when Slack is configured."""
    if not environ.get(settings.slack.token_env):
        return {}
    return {
        network: (Address("slack", channel),)
        for network, channel in settings.slack.alert_channels.items()
    }


async def check_keys(engine: AsyncEngine, cipher: Cipher) -> None:
    """Refuse to start when the keys cannot open data that is already stored."""
    async with engine.connect() as connection:
        row = (await connection.execute(select(members.c.display_name_enc).limit(1))).first()
    if row is not None:
        try:
            cipher.open(row.display_name_enc, "members.display_name")
        except KeyringError as error:
            raise KeyringError(
                f"the configured keys cannot open the stored data: {error}"
            ) from None


async def bootstrap(
    settings: Settings,
    clock: Clock | None = None,
    cipher: Cipher | None = None,
    environ: Mapping[str, str] | None = None,
    flows: Mapping[str, Flow] | None = None,
) -> App:
    """Open the database (migrating it), check the keys and build the bot."""
    env = os.environ if environ is None else environ
    if cipher is None:
        ring = load_key_ring(settings.crypto.keys_env, Path(settings.crypto.key_file), env)
        cipher = Cipher(ring)
    engine = await open_database(settings.database)
    try:
        await check_keys(engine, cipher)
    except BaseException:
        await engine.dispose()
        raise
    uow = UnitOfWorkFactory(engine, cipher)
    real_clock = clock or SystemClock()
    signal = Signal()
    feeds = alert_feeds(settings, env)
    bot = Bot(uow, real_clock, settings, flows or default_flows(), signal.fire, feeds=feeds)
    return App(settings, engine, uow, bot, real_clock, signal, feeds)
