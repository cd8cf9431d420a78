"""The composition root: the one place that wires real or fake parts together.

``compose`` builds everything in order — storage, the channels' runtimes, the deliverer, the
bot (its courier given to its constructor), the scheduler, leadership and the HTTP server —
and ``App.start``/``App.stop`` run them in order. ``concernbot run``, the terminal chat, the
operator commands and the tests all build the bot here; the entry point hands in the channel
catalog (``adapters.registry.REGISTRY``) and the HTTP server, so the core names neither."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.catalog import Channels
from bot.app.database import open_database
from bot.app.system import App, HttpFactory, Scheduling
from bot.channels.protocol import ChannelContext, Runtime
from bot.conversation.core import Bot
from bot.conversation.flows import Flow
from bot.delivery.worker import Deliverer
from bot.domain.clock import Clock, SystemClock
from bot.scheduling.leadership import Leadership
from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings
from bot.storage.crypto import Cipher, KeyringError, load_key_ring
from bot.storage.tables import members
from bot.storage.uow_factory import UnitOfWorkFactory

__all__ = ["App", "bootstrap", "compose", "default_flows"]

NO_CHANNELS = Channels({})
"""A catalog without channels: the operator commands' and most tests' (their outlets are
fakes handed in as ``runtimes``)."""

SchedulerFactory = Callable[[Scheduling], Scheduler]


def default_flows() -> dict[str, Flow]:
    """Every dialog the bot offers, by name."""
    from dialogs.advice import FLOW as ADVICE
    from dialogs.casesheet import CASESHEET
    from dialogs.casework import CASE_NOTE, HANDOVER, REOPEN
    from dialogs.coordinator import ASK, STATUS
    from dialogs.data_rights import ERASE, FORGET
    from dialogs.reporter import ADD, ANSWER, MESSAGE_COORDINATOR, WHICH
    from dialogs.settings import CHAT_HYGIENE, DIGEST, LANGUAGE
    from dialogs.share_flow import FLOW as SHARE
    from dialogs.two_factor import STEP_UP, TWO_FACTOR
    from dialogs.usefulness import USEFULNESS

    return {
        flow.dialog.name: flow
        for flow in (
            SHARE,
            ADVICE,
            ASK,
            STATUS,
            CASE_NOTE,
            HANDOVER,
            REOPEN,
            ANSWER,
            WHICH,
            ADD,
            MESSAGE_COORDINATOR,
            LANGUAGE,
            CHAT_HYGIENE,
            DIGEST,
            USEFULNESS,
            FORGET,
            ERASE,
            TWO_FACTOR,
            STEP_UP,
            CASESHEET,
        )
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


def default_scheduler(parts: Scheduling) -> Scheduler:
    """The bot's scheduler, with the jobs of its settings."""
    return Scheduler(parts.uow, parts.settings, parts.clock, parts.feeds, parts.on_outbox)


def lanes(settings: Settings, names: Sequence[str]) -> int:
    """Units of work the channels ``names`` run side by side: their ``concurrent_updates``
    (one for a channel without the setting)."""
    return sum(getattr(settings.channels.get(name), "concurrent_updates", 1) for name in names)


async def compose(
    settings: Settings,
    *,
    channels: Channels = NO_CHANNELS,
    serve: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    cipher: Cipher | None = None,
    flows: Mapping[str, Flow] | None = None,
    runtimes: Mapping[str, Runtime] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    http: HttpFactory | None = None,
    deliver_to: str | None = None,
    scheduler: SchedulerFactory = default_scheduler,
) -> App:
    """Open the database (migrating it), check the keys, and build every part, not started.

    ``serve`` names the channels to build (default: those the environment configures);
    ``runtimes`` are ready-made ones (a test's fakes); ``options`` hand a channel parts of
    its own (a test's limiter, the terminal's user). ``deliver_to`` limits this process's
    deliveries to one recipient (a terminal shows only its own user's messages)."""
    env = os.environ if environ is None else environ
    settings = channels.settle(settings, env)
    if cipher is None:
        ring = load_key_ring(settings.crypto.keys_env, Path(settings.crypto.key_file), env)
        cipher = Cipher(ring)
    names = channels.configured(settings, env) if serve is None else list(serve)
    engine = await open_database(settings.database, lanes(settings, names))
    try:
        await check_keys(engine, cipher)
        uow = UnitOfWorkFactory(engine, cipher, group_commit=settings.database.group_commit)
        real_clock = clock or SystemClock()
        built = dict(runtimes or {})
        for name in names:
            context = ChannelContext(
                settings,
                settings.channels.get(name),
                env,
                engine,
                (options or {}).get(name, {}),
            )
            built[name] = channels[name].build(context)
        feeds = channels.feeds(settings, env)
        deliverer = Deliverer(uow, built, real_clock, settings.outbox, address=deliver_to)
        bot = Bot(
            uow,
            real_clock,
            settings,
            flows or default_flows(),
            deliverer.wake,
            feeds=feeds,
            courier=deliverer if built else None,
        )
        parts = Scheduling(uow, settings, real_clock, feeds, deliverer.wake)
        return App(
            settings=settings,
            engine=engine,
            uow=uow,
            bot=bot,
            clock=real_clock,
            feeds=feeds,
            deliverer=deliverer,
            scheduler=scheduler(parts),
            leadership=Leadership(engine),
            runtimes=built,
            http_factory=http,
        )
    except BaseException:
        await engine.dispose()
        raise


async def bootstrap(
    settings: Settings,
    clock: Clock | None = None,
    cipher: Cipher | None = None,
    environ: Mapping[str, str] | None = None,
    flows: Mapping[str, Flow] | None = None,
    channels: Channels = NO_CHANNELS,
) -> App:
    """The bot and its storage without a channel of its own (the operator commands')."""
    return await compose(
        settings,
        channels=channels,
        serve=(),
        environ=environ,
        clock=clock,
        cipher=cipher,
        flows=flows,
    )
