"""``concernbot run``: every configured channel, the outbox worker and the HTTP server, side by
side, composed by the one composition root (``bot.app.composition``)."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Mapping
from typing import Any

from adapters.http import HttpServer
from adapters.registry import REGISTRY
from bot.app.catalog import Channels
from bot.app.composition import App, compose
from bot.app.health import gauges
from bot.app.heap import settle_heap
from bot.delivery.worker import Deliverer
from bot.domain.clock import Clock
from bot.metrics import render as render_metrics
from bot.scheduling.leadership import Leadership
from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings
from bot.storage.crypto import Cipher

log = logging.getLogger(__name__)


class Service:
    """Composes the bot with every configured channel, and starts and stops it."""

    def __init__(
        self,
        settings: Settings,
        environ: Mapping[str, str],
        clock: Clock | None = None,
        cipher: Cipher | None = None,
        channels: Channels = REGISTRY,
        options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.settings = settings
        self._environ = environ
        self._clock = clock
        self._cipher = cipher
        self._channels = channels
        self._options = options
        self.app: App | None = None
        self.start_seconds: dict[str, float] = {}

    @property
    def ready(self) -> bool:
        """True once every part started, until stopping begins."""
        return self.app is not None and self.app.ready

    @property
    def deliverer(self) -> Deliverer | None:
        """The outbox worker (once composed)."""
        return None if self.app is None else self.app.deliverer

    @property
    def http(self) -> HttpServer | None:
        """The HTTP server (once started)."""
        http = None if self.app is None else self.app.http
        assert http is None or isinstance(http, HttpServer)
        return http

    @property
    def scheduler(self) -> Scheduler | None:
        """The scheduler (once composed)."""
        return None if self.app is None else self.app.scheduler

    @property
    def leadership(self) -> Leadership | None:
        """The scheduler's leadership (once composed)."""
        return None if self.app is None else self.app.leadership

    async def start(self) -> None:
        """Compose the bot (storage, channels, deliverer, scheduler), then start it."""
        began = time.perf_counter()
        self.app = app = await compose(
            self.settings,
            channels=self._channels,
            environ=self._environ,
            clock=self._clock,
            cipher=self._cipher,
            options=self._options,
            http=_http_server,
        )
        self.start_seconds = app.start_seconds
        # "compose": storage opened and migrated, the channels' runtimes built.
        self.start_seconds["compose"] = time.perf_counter() - began
        await app.start(began)
        assert app.http is not None
        log.info(
            "concernbot running (http port %d), ready in %.3f s: %s",
            app.http.port,
            self.start_seconds["total"],
            ", ".join(f"{k} {v:.3f} s" for k, v in self.start_seconds.items() if k != "total"),
        )

    async def stop(self) -> None:
        """Stop taking updates, finish the one in hand, flush what is due, close storage."""
        if self.app is not None:
            await self.app.stop()

    async def metrics(self) -> str:
        """The Prometheus text exposition, with the outbox gauges read now."""
        return render_metrics(gauges(await self.health()))

    async def health(self) -> dict[str, Any]:
        """The /healthz report (see ``bot.app.health``): answered at once, whatever storage does."""
        if self.app is None:
            return {"ok": False, "ready": False}
        return await self.app.health()


def _http_server(settings: Any, health: Any, metrics: Any) -> HttpServer:
    return HttpServer(settings.host, settings.port, health, metrics)


async def serve_until_signal(
    settings: Settings, environ: Mapping[str, str], channels: Channels = REGISTRY
) -> int:
    """Run until SIGTERM or SIGINT, then shut down cleanly. A part that cannot start raises
    its ``StartupError`` (``concernbot`` prints it and exits with its status)."""
    service = Service(settings, environ, channels=channels)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await service.start()
        log.info("heap settled: %d objects left out of full collections", settle_heap())
        await stopping.wait()
    finally:
        await service.stop()
    return 0
