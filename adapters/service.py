"""One process: every configured channel, the outbox worker and the HTTP server, side by side."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from adapters.health import gauges, health_report
from adapters.http import HttpServer
from adapters.ratelimit import SendLimiter
from adapters.shared_budget import slack_limiter, telegram_limiter
from bot.app.composition import App, bootstrap
from bot.app.config import ConfigError, Settings
from bot.app.metrics import render as render_metrics
from bot.delivery.instances import Instance
from bot.delivery.outcomes import Outlet
from bot.delivery.worker import Deliverer
from bot.domain.clock import Clock
from bot.scheduling.leadership import Leadership, lead
from bot.scheduling.scheduler import Scheduler
from bot.storage.crypto import Cipher

if TYPE_CHECKING:
    # Imported where a channel is configured: each library takes a tenth of a second or more
    # to load, and a bot serving one channel (or the terminal chat) needs neither of the other.
    from adapters.slack.channel import SlackAdapter
    from adapters.telegram.channel import TelegramAdapter

log = logging.getLogger(__name__)


def channels_configured(settings: Settings, environ: Mapping[str, str]) -> bool:
    """True when a token for at least one platform channel is present."""
    return bool(environ.get(settings.telegram.token_env) or environ.get(settings.slack.token_env))


class Service:
    """Starts and stops the parts of a running bot in the right order."""

    def __init__(
        self,
        settings: Settings,
        environ: Mapping[str, str],
        clock: Clock | None = None,
        cipher: Cipher | None = None,
        telegram_limiter: SendLimiter | None = None,
        slack_limiter: SendLimiter | None = None,
    ) -> None:
        self.settings = settings
        self._environ = environ
        self._clock = clock
        self._cipher = cipher
        self._telegram_limiter = telegram_limiter
        self._slack_limiter = slack_limiter
        self.app: App | None = None
        self.telegram: TelegramAdapter | None = None
        self.slack: SlackAdapter | None = None
        self.deliverer: Deliverer | None = None
        self.instance: Instance | None = None
        self.http: HttpServer | None = None
        self._worker: asyncio.Task[None] | None = None
        self.scheduler: Scheduler | None = None
        self.leadership: Leadership | None = None
        self._leader_task: asyncio.Task[None] | None = None
        self.ready = False
        self.start_seconds: dict[str, float] = {}

    async def start(self) -> None:
        """Open storage, start the HTTP server, the outbox worker and the channels; ready
        (for /healthz) once all of them are."""
        began = lap = time.perf_counter()

        def phase(name: str) -> None:
            nonlocal lap
            now = time.perf_counter()
            self.start_seconds[name] = now - lap
            lap = now

        self.app = app = await bootstrap(self.settings, self._clock, self._cipher, self._environ)
        phase("storage")
        outlets: dict[str, Outlet] = {}
        token = self._environ.get(self.settings.telegram.token_env, "")
        secret = self._environ.get(self.settings.telegram.webhook_secret_env, "")
        if token:
            if self.settings.telegram.mode == "webhook" and not secret:
                raise ConfigError(
                    f"webhook mode needs a secret in ${self.settings.telegram.webhook_secret_env}"
                )
            from adapters.telegram.channel import TelegramAdapter

            limiter = self._telegram_limiter or telegram_limiter(app.engine, self.settings.telegram)
            self.telegram = TelegramAdapter(self.settings.telegram, token, secret, limiter)
            outlets[self.telegram.name] = self.telegram
        self.slack = self._slack(app)
        if self.slack is not None:
            outlets[self.slack.name] = self.slack
        self.http = HttpServer(
            self.settings.http.host, self.settings.http.port, self.health, self.metrics
        )
        if self.telegram is not None and self.settings.telegram.mode == "webhook":
            self.http.add_telegram_webhook(self.telegram.process_webhook, secret)
        if self.slack is not None:
            self.http.add_slack(self.slack.dispatch)
        await self.http.start()
        self.deliverer = Deliverer(app.uow, outlets, app.clock, self.settings.outbox)
        app.outbox_changed.connect(self.deliverer.wake)
        app.bot.send_replies_with(self.deliverer)
        # Before the first pass: a crashed process's claims are let go, so it sends them.
        self.instance = Instance(app.uow, app.clock)
        await self.instance.start(self.deliverer.hand)
        self._worker = asyncio.create_task(self.deliverer.run())
        phase("adapters")
        if self.telegram is not None:
            await self.telegram.start(app.bot.handle)
            phase("telegram")
        if self.slack is not None:
            await self.slack.start(app.bot.handle, app.bot.respond, app.bot.shown)
            phase("slack")
        if self.settings.scheduler.enabled:
            self.scheduler = Scheduler(
                app.uow, self.settings, app.clock, app.feeds, app.outbox_changed.fire
            )
            self.leadership = Leadership(app.engine)
            self._leader_task = asyncio.create_task(self._lead())
        self.start_seconds["total"] = time.perf_counter() - began
        self.ready = True
        log.info(
            "concernbot running (http port %d), ready in %.3f s: %s",
            self.http.port,
            self.start_seconds["total"],
            ", ".join(f"{k} {v:.3f} s" for k, v in self.start_seconds.items() if k != "total"),
        )

    def _slack(self, app: App) -> SlackAdapter | None:
        settings = self.settings.slack
        token = self._environ.get(settings.token_env, "")
        if not token:
            return None
        signing_secret = self._environ.get(settings.signing_secret_env, "")
        app_token = self._environ.get(settings.app_token_env, "")
        if not signing_secret and not (settings.socket_mode and app_token):
            raise ConfigError(
                f"Slack needs ${settings.signing_secret_env} (or Socket Mode with "
                f"${settings.app_token_env})"
            )
        from adapters.slack.channel import SlackAdapter

        return SlackAdapter(
            settings,
            token,
            signing_secret,
            self.settings.bot.default_language,
            app_token,
            self._slack_limiter or slack_limiter(app.engine, settings),
        )

    async def _lead(self) -> None:
        """Run the scheduler only while this instance holds leadership; check regularly."""
        assert self.scheduler is not None
        assert self.leadership is not None
        await lead(self.leadership, self.scheduler, self.settings.scheduler.leader_check_seconds)

    async def stop(self) -> None:
        """Stop taking updates, finish the one in hand, flush what is due, close storage."""
        self.ready = False
        if self._leader_task is not None:
            self._leader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._leader_task
        if self.scheduler is not None:
            self.scheduler.shutdown()
        if self.leadership is not None:
            await self.leadership.release()
        # The outbox worker first, while the channels can still send what it has in hand;
        # turns in hand then send their own replies as the channels finish them.
        if self.deliverer is not None:
            self.deliverer.stop()
        if self._worker is not None:
            await self._worker
        if self.telegram is not None:
            with contextlib.suppress(Exception):
                await self.telegram.stop()
        if self.slack is not None:
            with contextlib.suppress(Exception):
                await self.slack.stop()
        if self.http is not None:
            await self.http.stop()
        if self.instance is not None:
            await self.instance.stop()
        if self.app is not None:
            await self.app.close()

    async def metrics(self) -> str:
        """The Prometheus text exposition, with the outbox gauges read now."""
        return render_metrics(gauges(await self.health()))

    async def health(self) -> dict[str, Any]:
        """The /healthz report (see adapters.health): answered at once, whatever storage does."""
        return await health_report(self)


async def serve_until_signal(settings: Settings, environ: Mapping[str, str]) -> int:
    """Run until SIGTERM or SIGINT, then shut down cleanly. A part that cannot start raises
    its ``StartupError`` (``concernbot`` prints it and exits with its status)."""
    service = Service(settings, environ)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await service.start()
        await stopping.wait()
    finally:
        await service.stop()
    return 0
