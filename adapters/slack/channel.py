"""The Slack channel's lifecycle: slack-bolt's AsyncApp on our HTTP server (or Socket Mode)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import aiohttp
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.ratelimit import SendLimiter
from adapters.slack.alert_channels import AlertChannels
from adapters.slack.answers import show
from adapters.slack.app_home import AppHome, pressed_in_home
from adapters.slack.casesheet_form import open_casesheet
from adapters.slack.errors import mapped, remove
from adapters.slack.files import NotADirectMessage, direct_channel, file_after, file_to_dm
from adapters.slack.forms import FORM_VERBS, VIEW, erased_modal, probe, shown_slot, triage_form
from adapters.slack.posting import place
from adapters.slack.requests import not_misleading, refusal
from adapters.slack.settings import SlackSettings
from adapters.slack.translate import (
    CHANNEL,
    action_to_event,
    command_to_event,
    render,
    submission_to_event,
    text_modal,
)
from bot.app.logs import add_secret
from bot.channels.home import HomeView
from bot.channels.protocol import Capability, Route, Sink
from bot.channels.replies import Outgoing, Removal, Reply
from bot.delivery.outcomes import Disconnected
from bot.i18n import N_, translator

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"


class SlackAdapter:
    """Posts alerts into network channels and turns buttons, modals and /concern into events."""

    name = CHANNEL
    capabilities = frozenset({Capability.ANSWERS_IN_PLACE, Capability.FORMS, Capability.OWN_LOGIN})

    def __init__(
        self,
        settings: SlackSettings,
        token: str,
        signing_secret: str,
        language: str = "nl",
        app_token: str = "",
        limiter: SendLimiter | None = None,
    ) -> None:
        for secret in (token, signing_secret, app_token):
            if secret:
                add_secret(secret)
        self._settings = settings
        self._app_token = app_token
        self._t = translator(language)
        self.client = AsyncWebClient(token=token, base_url=settings.api_base_url)
        logging.getLogger("slack_bolt").addFilter(not_misleading)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret,
            logger=logging.getLogger("slack_bolt"),
        )
        self.app.action(re.compile(r"^act:"))(self._on_action)
        self.app.view(re.compile(r"^(ask|status|handover|casesheet)$"))(self._on_submission)
        self.app.command("/concern")(self._on_command)
        self._limiter = limiter or SendLimiter(20.0, 1.0, 3.0)
        self.channels = AlertChannels(self.client, self._limiter, settings.token_env)
        self.home = AppHome(self.app, self.client, self._limiter, lambda: self._sink)
        self._sink: Sink | None = None
        self._socket: Any = None

    def routes(self) -> Sequence[Route]:
        """Interactivity and slash commands, at ``/slack/events``."""
        return (Route("POST", SLACK_PATH, self.dispatch),)

    async def start(self, sink: Sink) -> None:
        """Take events, answered in place (the sink records the modals that hold a concern);
        with Socket Mode configured, connect the websocket too."""
        self._sink = sink
        if self.client.session is None:
            # One session for every Web API call: without it slack_sdk opens a session, and a
            # connection, per call (a few milliseconds each, and alerts go one at a time).
            self.client.session = aiohttp.ClientSession()
        await self.channels.start(list(self._settings.alert_channels.values()))
        if self._settings.socket_mode and self._app_token:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self._app_token)
            await self._socket.connect_async()

    def health_warnings(self) -> list[str]:
        """What an operator must fix in Slack: alert channels that lack the bot."""
        return self.channels.warnings()

    async def stop(self) -> None:
        """Disconnect Socket Mode, and close the Web API session."""
        if self._socket is not None:
            await self._socket.close_async()
        session, self.client.session = self.client.session, None
        if session is not None:
            await session.close()

    async def dispatch(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        """Serve ``POST /slack/events``: bolt verifies the signature and routes the request.

        A replayed or retried request (``X-Slack-Retry-Num``) carries the identity of its first
        attempt (see ``adapters.slack.translate``), so the core's once-only record lets it do
        nothing; bolt acknowledges it at once, as any other."""
        refused = await refusal(request)
        if refused is not None:
            return refused
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    async def send(self, reply: Outgoing) -> str | None:
        """Post, update or delete in a channel; return the message ts; map errors."""
        try:
            if isinstance(reply, Removal):
                await remove(self.client, reply, erased_modal(self._t))
                return None
            if isinstance(reply, HomeView):
                await self.home.publish(reply)
                return None
            return await self._post(reply)
        except SlackApiError as error:
            raise mapped(error) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise Disconnected(type(error).__name__) from None

    async def _post(self, reply: Reply) -> str | None:
        channel = reply.to.user_id
        direct = ":" in channel
        if reply.attachment is not None and not direct:
            raise NotADirectMessage("file_outside_dm")  # a file goes to one person only
        if direct:  # a user in a workspace: write in their direct-message channel
            channel = await direct_channel(self.client, channel)
        if reply.parts_sent:  # the text went out before the file failed: only the file again
            ts = reply.parts_sent[0]
        else:
            try:
                ts = await self._place(channel, reply)
            except SlackApiError as error:
                # Not (or no longer) in the alert channel: join it and post again, or keep the
                # message queued (ChannelLacksBot) until someone invites the bot.
                if direct or not await self.channels.refused(channel, error):
                    raise
                ts = await self._place(channel, reply)
        if reply.attachment is not None:
            await file_after(self.client, channel, reply.attachment, ts)
        if not direct:
            self.channels.posted(channel)
        return ts

    async def _place(self, channel: str, reply: Reply) -> str:
        return await place(self.client, self._limiter, channel, reply)

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        event = action_to_event(body)
        if event is None or self._sink is None:
            return
        verb = event.choice_id.split(":")[1]
        reference = event.choice_id.split(":", 2)[2]
        channel = str((body.get("channel") or {}).get("id", ""))
        if pressed_in_home(body) and verb not in FORM_VERBS:
            await self._sink.handle(event)  # through the outbox, to the user's direct messages
            return
        if verb in FORM_VERBS:
            # With the press's own event id: a replay of the press opens no second form.
            probed = await self._sink.respond(replace(event, choice_id=probe(verb, reference)))
            if not any(r.choices for r in probed):
                await self._ephemeral(body, channel, probed)
                return
            url, offered = str(body.get("response_url") or ""), probed[-1].choices
            form = triage_form(self._t, verb, reference, channel, url, offered)
            await self.client.views_open(trigger_id=body["trigger_id"], view=form)
            return
        replies: list[Reply] = await self._sink.respond(event)
        # A trigger opens one view: one modal per press.
        for reply in [r for r in replies if r.view is not None][:1]:
            title = reply.view.title if reply.view is not None else ""
            opened = await self.client.views_open(
                trigger_id=body["trigger_id"],
                view=text_modal(title, reply.text, self._t(N_("Close"))),
            )
            if title:
                # The modal shows what the reporter wrote: erasing the concern must reach it.
                view_id = VIEW + str(opened["view"]["id"])
                await self._sink.shown(event.sender.address, shown_slot(title), view_id, title)
        await self._ephemeral(body, channel, [r for r in replies if r.view is None])

    async def _on_submission(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        event = submission_to_event(body)
        if event is None or self._sink is None:
            await ack()
            return
        replies: list[Reply] = await self._sink.respond(event)
        errors = {r.error.field: r.text for r in replies if r.error is not None}
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        # The press that opened the form gave its response URL; the modal itself has none.
        url = str((body.get("view") or {}).get("private_metadata", "")).split("|", 2)[2:]
        await self._ephemeral(body, event.values.get("channel", ""), replies, "".join(url))

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        if await open_casesheet(self.client, self._t, body):
            return  # its questions in one modal; the core checks who submits it
        event = command_to_event(body)
        if event is None or self._sink is None:
            return
        replies: list[Reply] = await self._sink.respond(event)
        await self._ephemeral(body, str(body.get("channel_id", "")), replies)

    async def _ephemeral(
        self, body: dict[str, Any], channel: str, replies: list[Reply], url: str | None = None
    ) -> None:
        """Answer the user who acted, where only they see it (see ``slack_answers``)."""
        user = str((body.get("user") or {}).get("id") or body.get("user_id") or "")
        url = str(body.get("response_url") or "") if url is None else url
        for reply in replies:
            if reply.attachment is not None and self._sink is not None:
                reply = await file_to_dm(self.client, self._sink, reply, self._t)
            text, blocks = render(reply)
            await show(self.client, url, channel, user, text, blocks)
