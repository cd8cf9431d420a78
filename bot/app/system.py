"""A composed bot (``bot.app.composition.compose``): its parts, and starting and stopping them
in order. Nothing here is set after construction."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.health import health_report
from bot.app.sinks import ChannelSink
from bot.channels.events import Address
from bot.channels.protocol import Handler, Runtime
from bot.conversation.core import Bot
from bot.delivery.instances import Instance
from bot.delivery.worker import Deliverer
from bot.domain.clock import Clock
from bot.metrics import render as render_metrics
from bot.scheduling.leadership import Leadership, lead
from bot.scheduling.scheduler import Scheduler
from bot.settings import HttpSettings, Settings
from bot.storage.health import StorageHealth
from bot.storage.uow_factory import UnitOfWorkFactory

log = logging.getLogger(__name__)

Health = Callable[[], Awaitable[dict[str, Any]]]
Metrics = Callable[[], Awaitable[str]]


class HttpHost(Protocol):
    """The bot's own HTTP server: health, metrics and the channels' routes."""

    port: int

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve ``handler`` at ``path``; only before ``start``."""
        ...

    async def start(self) -> None:
        """Listen."""
        ...

    async def stop(self) -> None:
        """Stop listening."""
        ...


HttpFactory = Callable[[HttpSettings, Health, Metrics], HttpHost]


@dataclass(frozen=True)
class Scheduling:
    """What a scheduler is built from."""

    uow: UnitOfWorkFactory
    settings: Settings
    clock: Clock
    feeds: Mapping[str, tuple[Address, ...]]
    on_outbox: Callable[[], None]


@dataclass
class App:
    """A wired bot: storage, channels, deliverer, scheduler; ``start``/``stop`` run them, and
    ``close()`` alone releases the database of one that never started."""

    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    bot: Bot
    clock: Clock
    deliverer: Deliverer
    scheduler: Scheduler
    leadership: Leadership
    feeds: dict[str, tuple[Address, ...]] = field(default_factory=dict)
    runtimes: dict[str, Runtime] = field(default_factory=dict)
    http_factory: HttpFactory | None = None
    storage: StorageHealth = field(init=False)
    """Storage's part of the health report."""
    instance: Instance = field(init=False)
    http: HttpHost | None = field(init=False, default=None)
    ready: bool = field(init=False, default=False)
    start_seconds: dict[str, float] = field(init=False, default_factory=dict)
    _worker: asyncio.Task[None] | None = field(init=False, default=None)
    _leader: asyncio.Task[None] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.storage = StorageHealth(self.uow)
        self.instance = Instance(self.uow, self.clock)

    async def start(self, began: float | None = None) -> None:
        """The HTTP server (with the channels' routes), the outbox worker, each channel,
        then the scheduler under leadership; ready (for /healthz) once all of them are."""
        lap = time.perf_counter()
        began = lap if began is None else began

        def phase(name: str) -> None:
            nonlocal lap
            now = time.perf_counter()
            self.start_seconds[name] = now - lap
            lap = now

        if self.http_factory is not None:
            self.http = self.http_factory(self.settings.http, self.health, self.metrics)
            for runtime in self.runtimes.values():
                for route in runtime.routes():
                    self.http.add_route(route.method, route.path, route.handler)
            await self.http.start()
        # Before the first pass: a crashed process's claims are let go, so it sends them.
        await self.instance.start(self.deliverer.hand)
        self._worker = asyncio.create_task(self.deliverer.run())
        phase("serve")  # the HTTP server, released claims, the outbox worker
        for name, runtime in self.runtimes.items():
            await runtime.start(ChannelSink(self.bot, self.deliverer, runtime.capabilities))
            phase(name)
        if self.settings.scheduler.enabled:
            every = self.settings.scheduler.leader_check_seconds
            self._leader = asyncio.create_task(lead(self.leadership, self.scheduler, every))
        self.start_seconds["total"] = time.perf_counter() - began
        self.ready = True

    async def stop(self, flush: bool = False) -> None:
        """Stop taking updates, finish the one in hand, (``flush``: deliver what is due,)
        stop the channels and the server, close storage."""
        self.ready = False
        if self._leader is not None:
            self._leader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._leader
        self.scheduler.shutdown()
        await self.leadership.release()
        if flush:
            await self.deliverer.deliver_due()
        # The outbox worker first, while the channels can still send what it has in hand;
        # turns in hand then send their own replies as the channels finish them.
        self.deliverer.stop()
        if self._worker is not None:
            await self._worker
        for runtime in self.runtimes.values():
            with contextlib.suppress(Exception):
                await runtime.stop()
        if self.http is not None:
            await self.http.stop()
        await self.instance.stop()
        await self.close()

    async def close(self) -> None:
        """Dispose of the database engines."""
        await self.storage.close()
        self.uow.dispose()
        await self.engine.dispose()

    async def metrics(self) -> str:
        """The Prometheus text exposition, with the outbox gauges read now."""
        from bot.app.health import gauges

        return render_metrics(gauges(await self.health()))

    async def health(self) -> dict[str, Any]:
        """The /healthz report: answered at once, whatever storage does."""
        return await health_report(self)
