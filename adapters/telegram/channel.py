"""The Telegram channel's lifecycle: python-telegram-bot in our event loop, polling or webhook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import BadRequest, Conflict, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from adapters.lanes import ChatLanes
from adapters.ratelimit import SendLimiter
from adapters.telegram.commands import register_commands
from adapters.telegram.errors import PollingConflict, delivery_error
from adapters.telegram.files import send_file
from adapters.telegram.settings import TelegramSettings
from adapters.telegram.startup import Patient, retry_seconds, set_webhook
from adapters.telegram.translate import CHANNEL, parse_callback, render, to_event
from adapters.telegram.transport import AiohttpRequest
from adapters.telegram.webhook import TELEGRAM_PATH, webhook
from bot.app.logs import add_secret
from bot.channels.events import InboundEvent
from bot.channels.protocol import Capability, Route, Sink
from bot.channels.replies import Outgoing, Removal, Reply
from bot.delivery.outcomes import RetryLater, part_sent

log = logging.getLogger(__name__)

# Opt in to python-telegram-bot's coming durations (timedelta, not int). Without it, building
# a RetryAfter for a 429 emits a deprecation warning, which turns the 429 into an unexpected
# error wherever warnings are errors (as in our tests), and retry_after is then not honoured.
os.environ.setdefault("PTB_TIMEDELTA", "true")

POOL_WAIT = 30.0
"""Seconds a Bot API request may wait for a pooled connection."""
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


# The three calls of every dialog turn, made for their raw answer: the library would parse each
# answer into a Message (about 0.13 ms of CPU, as much as the rest of the call) for the one
# field we keep, the message id. Bot API method names are case-insensitive; in lower case the
# library's do_api_request does not point us to its send_message, edit_message_reply_markup and
# answer_callback_query (which would also build its parameters through the library's checks).
SEND_MESSAGE = "sendmessage"
EDIT_REPLY_MARKUP = "editmessagereplymarkup"
ANSWER_CALLBACK = "answercallbackquery"


class TelegramAdapter:
    """Feeds private-chat updates to the core and delivers replies within Telegram's limits."""

    name = CHANNEL
    capabilities: frozenset[Capability] = frozenset()

    def __init__(
        self,
        settings: TelegramSettings,
        token: str,
        webhook_secret: str = "",
        limiter: SendLimiter | None = None,
    ) -> None:
        add_secret(token)
        if webhook_secret:
            add_secret(webhook_secret)
        self._settings = settings
        self.webhook_secret = webhook_secret
        base = settings.api_base_url.rstrip("/")
        builder = Application.builder().token(token).base_url(f"{base}/bot")
        builder = builder.base_file_url(f"{base}/file/bot")
        builder = builder.request(AiohttpRequest(settings.connections, POOL_WAIT))
        builder = builder.get_updates_request(AiohttpRequest(1, POOL_WAIT))
        if settings.mode == "webhook":
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self._limiter = limiter or SendLimiter(
            settings.overall_per_second, settings.per_chat_per_second, settings.per_chat_burst
        )
        self._sink: Callable[[InboundEvent], Awaitable[None]] | None = None
        self._lanes = ChatLanes(settings.concurrent_updates)
        self.username = settings.username

    def routes(self) -> Sequence[Route]:
        """In webhook mode, the endpoint Telegram posts updates to."""
        if self._settings.mode != "webhook":
            return ()
        return (Route("POST", TELEGRAM_PATH, webhook(self.process_webhook, self.webhook_secret)),)

    def health_warnings(self) -> list[str]:
        """Nothing for an operator to fix that the start did not already refuse."""
        return []

    async def start(self, sink: Sink) -> None:
        """Connect (getMe), register commands, then poll or set the webhook; a 429 on any of
        these calls is waited out (up to ``start_retry_seconds``), not fatal."""
        self._sink = sink.handle
        patient = Patient(self._limiter, self._settings)
        await patient.call("getMe", self.application.initialize)
        self.username = self.application.bot.username or self.username
        await register_commands(patient, self.application.bot)
        bot = self.application.bot
        if self._settings.mode == "webhook":
            await set_webhook(patient, bot, self._settings, self.webhook_secret, ALLOWED_UPDATES)
            await self.application.start()
            return
        await patient.call("deleteWebhook", bot.delete_webhook)
        try:
            # Unconfirmed updates stay queued: without an offset nothing is acknowledged.
            await patient.call("getUpdates", lambda: bot.get_updates(timeout=0, limit=1))
        except Conflict:
            await self.application.shutdown()
            raise PollingConflict(
                "Telegram (polling)",
                "another instance is already polling this Telegram bot",
                "stop it, or use webhook mode to run several instances",
            ) from None
        await self.application.start()
        updater = self.application.updater
        assert updater is not None
        # The updater deletes the webhook once more before it polls, without waiting out a 429.
        await patient.call(
            "deleteWebhook", lambda: updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        )

    async def stop(self) -> None:
        """Stop polling (if any), finish the update in hand and shut down the HTTP client."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self._lanes.drain()
        await self.application.shutdown()
        # After a failed start the application was never initialized, and does not close the
        # bot's HTTP sessions itself.
        await self.application.bot.shutdown()

    async def process_webhook(self, data: dict[str, Any]) -> None:
        """Handle one update POSTed to our webhook endpoint. A failure propagates, so the
        endpoint answers 500 and Telegram delivers the update again (the library's own
        dispatch would log the error and let the update be acknowledged, and lost)."""
        update = Update.de_json(data, self.application.bot)
        await (await self._submit(update))

    async def send(self, reply: Outgoing) -> str | None:
        """Deliver a reply (split to fit) or carry out a removal; map errors to core errors."""
        try:
            if isinstance(reply, Removal):
                await self._remove(reply)
                return None
            if not isinstance(reply, Reply):
                return None  # a home view: Telegram keeps none
            parts = render(reply)
            # The parts a failed attempt already delivered are skipped: none is sent twice.
            ids = list(reply.parts_sent)
            total = len(parts) + (reply.attachment is not None)
            for index, part in enumerate(parts[len(ids) :], start=len(ids)):
                # Counted as in flight until answered: the limit holds whatever the network's
                # delays (a send released on time may still arrive late, next to the next one).
                async with self._limiter.sending(str(part.chat_id)):
                    sent = await self._call(
                        SEND_MESSAGE,
                        chat_id=part.chat_id,
                        text=part.text,
                        reply_markup=part.keyboard,
                    )
                ids.append(str(sent["message_id"]))
                await part_sent(ids[-1], more=index + 1 < total)
            if reply.attachment is not None and len(ids) < total:
                async with self._limiter.sending(reply.to.user_id):
                    filed = await send_file(
                        self.application.bot, int(reply.to.user_id), reply.attachment
                    )
                await part_sent(str(filed.message_id), more=False)
            return ids[len(parts) - 1] if parts else None
        except RetryAfter as error:
            seconds = retry_seconds(error)
            self._limiter.pause(seconds)
            raise RetryLater(seconds) from None
        except TelegramError as error:
            raise delivery_error(error) from None

    async def _remove(self, removal: Removal) -> None:
        for message_id in removal.message_ids:
            try:
                await self.application.bot.delete_message(int(removal.to.user_id), int(message_id))
            except BadRequest:
                # Already gone, or older than Telegram's 48 hours: nothing left to remove.
                continue

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Returns once the update has its place: the library hands updates over one by one,
        # in order, while the turns of different chats run side by side.
        await self._submit(update)

    async def _submit(self, update: Update) -> asyncio.Task[None]:
        chat = update.effective_chat
        key = chat.id if chat is not None else ("update", update.update_id)
        return await self._lanes.submit(key, lambda: self._dispatch(update))

    async def _dispatch(self, update: Update) -> None:
        chat = update.effective_chat
        if chat is not None and chat.type != chat.PRIVATE:
            await self._leave(chat.id)
            return
        query = update.callback_query
        # A pressed button is answered (its spinner stops) and its keyboard taken away while
        # the turn is processed, not after the turn's reply has gone out.
        acknowledging = asyncio.create_task(self._acknowledge(query)) if query else None
        try:
            event = to_event(update)
            if event is not None and self._sink is not None:
                await self._sink(event)
        finally:
            if acknowledging is not None:
                await acknowledging

    async def _acknowledge(self, query: CallbackQuery) -> None:
        with contextlib.suppress(TelegramError):
            await self._call(ANSWER_CALLBACK, callback_query_id=query.id)
        nonce, _ = parse_callback(query.data or "")
        if nonce and query.message is not None:
            with contextlib.suppress(TelegramError):
                await self._call(
                    EDIT_REPLY_MARKUP,
                    chat_id=query.message.chat.id,
                    message_id=query.message.message_id,
                )

    async def _call(self, method: str, **parameters: object) -> Any:
        """Call a Bot API method and return its raw result (absent parameters left out)."""
        given = {name: value for name, value in parameters.items() if value is not None}
        return await self.application.bot.do_api_request(method, given)

    async def _leave(self, chat_id: int) -> None:
        log.info("left a non-private chat")
        with contextlib.suppress(TelegramError):
            await self.application.bot.leave_chat(chat_id)
