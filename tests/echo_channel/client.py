"""A user of the echo channel: a connection that writes lines and reads what arrives."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

WITHIN = 10.0
"""Seconds to wait for an answer on the socket before the test fails."""


class EchoClient:
    """One user's connection to the echo channel's line server."""

    def __init__(self, user: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.user = user
        self._reader = reader
        self._writer = writer
        self.received: list[dict[str, Any]] = []

    @classmethod
    async def connect(cls, port: int, user: str) -> EchoClient:
        """Connect and say who is here (nothing reaches the bot)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        client = cls(user, reader, writer)
        await client._send({})
        return client

    async def say(self, line: str) -> list[dict[str, Any]]:
        """Type ``line``; ``#id`` presses the choice ``id`` of the last message offering it."""
        if line.startswith("#"):
            last = next(m for m in reversed(self.received) if m.get("choices"))
            choice = next(c for c, label in last["choices"] if line[1:] in (c, label))
            return await self._send({"choice": choice, "nonce": last["nonce"]})
        return await self._send({"text": line})

    async def script(self, lines: Sequence[str]) -> list[dict[str, Any]]:
        """Say each line in turn; every message that came back."""
        got: list[dict[str, Any]] = []
        for line in lines:
            got += await self.say(line)
        return got

    async def wait_for(self, text: str) -> dict[str, Any]:
        """The first message (already here, or arriving) whose text holds ``text``."""
        while True:
            for message in self.received:
                if text in message.get("text", ""):
                    return message
            self.received.append(await self._read())

    async def _send(self, data: dict[str, str]) -> list[dict[str, Any]]:
        before = len(self.received)
        self._writer.write(json.dumps({"user": self.user, **data}).encode() + b"\n")
        await self._writer.drain()
        while (message := await self._read()).get("done") is not True:
            self.received.append(message)
        return self.received[before:]

    async def _read(self) -> dict[str, Any]:
        try:
            line = await asyncio.wait_for(self._reader.readline(), WITHIN)
        except TimeoutError:
            raise AssertionError(f"nothing more for {self.user}: {self.received}") from None
        assert line, f"the echo channel closed the connection of {self.user}"
        message = json.loads(line)
        assert isinstance(message, dict)
        return message

    async def close(self) -> None:
        """Hang up."""
        self._writer.close()
