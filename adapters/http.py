"""The bot's own HTTP server: /healthz, /metrics, and the endpoints channels add."""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.startup_errors import PortUnavailable

log = logging.getLogger(__name__)

Health = Callable[[], Awaitable[dict[str, Any]]]
Metrics = Callable[[], Awaitable[str]]
Handler = Callable[[Any], Awaitable[Any]]


class HttpServer:
    """An aiohttp server on the configured host and port; routes are added before start."""

    def __init__(
        self, host: str, port: int, health: Health, metrics: Metrics | None = None
    ) -> None:
        self._host = host
        self._port = port
        self._health = health
        self._metrics = metrics
        self.app = web.Application(client_max_size=1024 * 1024)
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._metrics_page)
        self._runner: web.AppRunner | None = None
        self.port = port

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve ``handler`` at ``path`` (a channel's endpoint); only before ``start``."""
        self.app.router.add_route(method, path, handler)

    async def start(self) -> None:
        """Listen; port 0 picks a free port (then ``self.port`` tells which)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            refused = cannot_listen(self._host, self._port, error)
            if refused is None:
                raise
            raise refused from None
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening and finish requests in hand."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metrics_page(self, request: web.Request) -> web.Response:
        if self._metrics is None:
            return web.Response(status=404)
        return web.Response(
            text=await self._metrics(),
            content_type="text/plain",
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff"},
        )

    async def _healthz(self, request: web.Request) -> web.Response:
        # 200 only when healthy and ready to serve: a load balancer or a deployment waiting
        # on this must not route updates to an instance whose channels are not started yet.
        report = await self._health()
        status = 200 if report.get("ok") and report.get("ready") else 503
        return web.json_response(report, status=status)


def cannot_listen(host: str, port: int, error: OSError) -> PortUnavailable | None:
    """What an operator must change when the server cannot listen; None for any other
    OSError (a failure we do not know keeps its traceback)."""
    where = f"[http] host {host} port {port}"
    if isinstance(error, socket.gaierror):
        return PortUnavailable(
            where, "the host name does not resolve", "give an address or a name of this machine"
        )
    if error.errno == errno.EADDRINUSE:
        return PortUnavailable(
            where,
            "the port is in use (another concernbot, or another program)",
            "stop that program or choose another [http] port",
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return PortUnavailable(
            where, "the host is not an address of this machine", "use 127.0.0.1 or one of its own"
        )
    if error.errno == errno.EACCES:
        return PortUnavailable(
            where,
            "this user may not listen there (ports below 1024 need privileges)",
            "use a port from 1024 up, behind the reverse proxy",
        )
    return None
