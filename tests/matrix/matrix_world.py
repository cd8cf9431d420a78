"""The running bot with its Matrix channel at the test Synapse, and its users (nio)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from adapters.matrix.channel import MatrixAdapter
from adapters.matrix.settings import MatrixSettings
from adapters.matrix.translate import KEYCAPS, writing
from adapters.service import Service
from bot.channels.replies import Outgoing, Reply, numbered
from bot.domain.model import Role
from bot.testing import FakeClock, example_settings, fixed_cipher
from bot.usecases.invites import create_invite
from tests.channel_settings import with_channels
from tests.matrix.homeserver import Homeserver, Registered
from tests.matrix.spine_client import SpineClient

ORG = "jongerenwerk-noord"
React = bool | Literal["clear"]
"""Whether a pick is a keycap reaction, and whether it goes in the clear."""
PASSWORD = "pw-bot-7c1e"


def free_port() -> int:
    """A loopback port that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Sent:
    """A reply the adapter delivered: to whom, what, and its last event id."""

    reply: Reply
    event_id: str | None


@dataclass
class MatrixWorld:
    """The bot (``Service`` with ``[matrix]``) and the users talking to it."""

    homeserver: Homeserver
    directory: Path
    bot: Registered
    clock: FakeClock = field(default_factory=FakeClock)
    service: Service | None = None
    sent: list[Sent] = field(default_factory=list)
    sending: int = 0
    """Sends under way: a user can see a message before its send returns and is recorded."""
    users: list[SpineClient] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)

    def matrix_settings(self) -> MatrixSettings:
        """``[matrix]`` at the test homeserver, every file in the test's directory."""
        values: dict[str, Any] = dict(
            homeserver=self.homeserver.url,
            user_id=self.bot.user_id,
            credentials_file=str(self.directory / "matrix" / "credentials.json"),
            store=f"sqlite:///{self.directory / 'matrix' / 'crypto.db'}",
            pickle_key_file=str(self.directory / "matrix" / "pickle.key"),
            sync_timeout_seconds=1.0,
            overall_per_second=1000.0,
            per_room_per_second=1000.0,
            per_room_burst=1000.0,
        )
        values.update(self.overrides)
        return MatrixSettings(**values)

    @property
    def adapter(self) -> MatrixAdapter:
        """The running Matrix runtime."""
        assert self.service is not None
        assert self.service.app is not None
        found = next(r for r in self.service.app.runtimes.values() if r.name == "matrix")
        assert isinstance(found, MatrixAdapter)
        return found

    async def start(self) -> None:
        """Start the service the way ``concernbot run`` does."""
        settings = example_settings(self.directory / "bot.db")
        http = replace(settings.http, host="127.0.0.1", port=free_port())
        quiet = replace(settings.scheduler, enabled=False)
        settings = with_channels(settings, matrix=self.matrix_settings())
        english = replace(settings.bot, default_language="en")
        settings = replace(settings, http=http, scheduler=quiet, bot=english)
        environ = {"MATRIX_PASSWORD": self.bot.password}
        self.service = Service(settings, environ, self.clock, fixed_cipher())
        await self.service.start()

    async def stop(self) -> None:
        """Stop the service (idempotent)."""
        if self.service is not None:
            await self.service.stop()
            self.service = None

    async def user(self, prefix: str) -> SpineClient:
        """A new homeserver user with a logged-in, syncing nio client."""
        registered = await self.homeserver.register(self.homeserver.unique(prefix), "pw-user")
        client = SpineClient(
            self.homeserver.url,
            registered.user_id,
            registered.password,
            self.directory / "nio" / registered.localpart,
        )
        await client.start()
        self.users.append(client)
        return client

    async def invite(self, role: Role = Role.REPORTER) -> str:
        """A fresh invite code, as ``concernbot invite`` would print it."""
        assert self.service is not None
        assert self.service.app is not None
        app = self.service.app
        async with app.uow() as uow:
            code = await create_invite(
                uow, app.settings, ORG, role, timedelta(days=7), self.clock.now()
            )
            await uow.commit()
        return code

    async def enrol(self, user: SpineClient, role: Role = Role.REPORTER) -> None:
        """Open an encrypted DM with the bot and send /start CODE; wait for the welcome."""
        await user.open_dm(self.bot.user_id)
        before = len(user.texts())
        await user.say(f"/start {await self.invite(role)}")
        await user.wait_text("Welcome", before)
        await self.delivered()

    async def delivered(self, within: float = 30.0) -> None:
        """Wait until the outbox holds nothing more to send (every reply so far delivered)."""
        assert self.service is not None
        assert self.service.app is not None
        app = self.service.app

        async def empty() -> None:
            while True:
                async with app.uow() as uow:
                    if not await uow.outbox.pending_count():
                        return
                await asyncio.sleep(0.05)

        await asyncio.wait_for(empty(), within)

    async def recorded(self) -> None:
        """Wait until no send is under way, so that all a user has seen is in ``sent``."""
        await self.wait(lambda: self.sending == 0)

    async def last_sent(self, predicate: Any) -> Sent:
        """The newest recorded reply for which ``predicate(sent)`` holds, once recorded."""
        await self.recorded()
        found = [s for s in self.sent if predicate(s)]
        assert found, f"no recorded reply matches: {[s.reply.text[:40] for s in self.sent[-3:]]}"
        return found[-1]

    async def last_menu(self, user: SpineClient) -> Sent:
        """The newest reply with choices to ``user``."""
        return await self.last_sent(
            lambda s: s.reply.to.user_id == user.client.user_id and s.reply.choices
        )

    def menu_with(self, user: SpineClient, choice_id: str) -> tuple[Sent, int]:
        """The newest reply to ``user`` offering ``choice_id`` (an id or a label), and its
        number there."""
        for sent in reversed(self.sent):
            if sent.reply.to.user_id != user.client.user_id:
                continue
            for number, choice in numbered(sent.reply.choices):
                if choice_id in (choice.id, choice.label):
                    return sent, number
        raise AssertionError(f"no menu offers {choice_id}: {self.replies_to(user)[-3:]}")

    async def step(
        self, user: SpineClient, line: str, react: React = False, until: str | None = None
    ) -> None:
        """Play one script line ('#id' picks by number, typed or as a keycap); wait for the
        bot's next menu (or a reply containing ``until``)."""
        before = len(self.replies_to(user))
        await self.play(user, line, react)

        def answered() -> bool:
            new = self.replies_to(user)[before:]
            if until is not None:
                return any(until in r.text for r in new)
            return any(r.choices for r in new)

        await self.wait(answered)

    async def play(self, user: SpineClient, line: str, react: React = False) -> None:
        """Send one script line ('#id' or '#Label' picks by number, typed or as a keycap:
        encrypted as Element sends it, or with ``react="clear"`` as nio does)."""
        if line.startswith("#"):
            await self.recorded()
            menu, number = self.menu_with(user, line[1:])
            if react:
                key = KEYCAPS[number]
                event_id = menu.event_id
                assert event_id is not None
                await user.react(event_id, key, clear=react == "clear")
            elif writing(menu.reply):
                # In a text step a typed number is text: the label picks.
                await user.say(dict(numbered(menu.reply.choices))[number].label)
            else:
                await user.say(str(number))
        else:
            await user.say(line)

    async def run_due(self) -> None:
        """Move the clock to the outbox's next retry, if it lies ahead, and wake the worker."""
        assert self.service is not None
        deliverer = self.service.deliverer
        assert deliverer is not None
        assert self.service.app is not None
        async with self.service.app.uow() as uow:
            due = await uow.outbox.next_due(tuple(deliverer.channels), None)
        if due is not None and due > self.clock.now():
            self.clock.set(due)
        deliverer.wake()

    def replies_to(self, user: SpineClient) -> list[Reply]:
        """Every reply delivered to ``user``."""
        return [s.reply for s in self.sent if s.reply.to.user_id == user.client.user_id]

    async def wait(self, predicate: Any, within: float = 30.0) -> None:
        """Wait (polling the recorded sends) until ``predicate()`` holds."""

        async def until() -> None:
            while not predicate():  # noqa: ASYNC110 (the sends are recorded by a patch)
                await asyncio.sleep(0.02)

        await asyncio.wait_for(until(), within)

    async def close(self) -> None:
        """Stop the bot and every user."""
        await self.stop()
        for user in self.users:
            await user.close()


def recording(world: MatrixWorld) -> Any:
    """``MatrixAdapter.send`` that records each delivered reply in ``world.sent``."""
    original = MatrixAdapter.send

    async def send(self: MatrixAdapter, reply: Outgoing) -> str | None:
        world.sending += 1
        try:
            event_id = await original(self, reply)
            if isinstance(reply, Reply):
                world.sent.append(Sent(reply, event_id))
        finally:
            world.sending -= 1
        return event_id

    return send
