"""The echo channel while it runs: JSON lines over a TCP socket on 127.0.0.1.

A client writes ``{"user": ...}`` (to be reached on this connection), ``{"user": ..., "text":
...}`` or ``{"user": ..., "choice": ..., "nonce": ...}``; each line is answered with
``{"done": true}`` once the bot has handled it (its replies to the sender are written before).
The user's messages are written on their connection as ``{"to", "message_id", "text",
"choices": [[id, label], ...], "nonce"}``."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json

from bot.channels.events import Address, ChoiceMade, Sender, parse_text
from bot.channels.protocol import Capability, Route, Sink
from bot.channels.replies import Outgoing, Reply
from bot.delivery.outcomes import Disconnected
from tests.echo_channel.settings import NAME


class EchoRuntime:
    """A line server: events in from each connection, replies out to their user's one."""

    name = NAME
    capabilities: frozenset[Capability] = frozenset()

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._writers: dict[str, asyncio.StreamWriter] = {}
        self._ids = itertools.count(1)
        self.port = 0

    async def start(self, sink: Sink) -> None:
        """Listen on a free loopback port (``port`` tells which)."""

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while line := await reader.readline():
                    await self._take(json.loads(line), writer, sink)
            finally:
                writer.close()

        self._server = await asyncio.start_server(serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _take(self, data: dict[str, str], writer: asyncio.StreamWriter, sink: Sink) -> None:
        user = data["user"]
        self._writers[user] = writer
        sender = Sender(Address(NAME, user), display_name=user, language="en")
        if "choice" in data:
            await sink.handle(ChoiceMade(sender, data["choice"], data.get("nonce")))
        elif "text" in data:
            await sink.handle(parse_text(sender, data["text"]))
        writer.write(b'{"done": true}\n')
        await writer.drain()

    async def send(self, reply: Outgoing) -> str | None:
        """Write ``reply`` to its user's connection; none open is a lost connection."""
        if not isinstance(reply, Reply):
            return None  # what was written on a socket cannot be taken back
        writer = self._writers.get(reply.to.user_id)
        if writer is None or writer.is_closing():
            raise Disconnected("not_connected")
        message_id = str(next(self._ids))
        line = {
            "to": reply.to.user_id,
            "message_id": message_id,
            "text": reply.text,
            "choices": [[choice.id, choice.label] for choice in reply.choices],
            "nonce": reply.nonce,
        }
        writer.write(json.dumps(line).encode() + b"\n")
        await writer.drain()
        return message_id

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        for writer in self._writers.values():
            writer.close()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    def health_warnings(self) -> list[str]:
        """Nothing to fix."""
        return []

    def routes(self) -> tuple[Route, ...]:
        """No HTTP endpoint."""
        return ()
