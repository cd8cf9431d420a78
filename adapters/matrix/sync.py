"""The sync loop: a batch's token is stored only after every event of it was handled, so a
crash or a failed handler brings the batch again (the core drops repeats by event id)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import ClientError
from mautrix.client import Client
from mautrix.crypto.store.asyncpg import PgCryptoStore
from mautrix.errors import MatrixConnectionError, MatrixRequestError
from mautrix.types import RoomID

from adapters.lanes import ChatLanes
from adapters.matrix.limits import RateLimited, patiently

log = logging.getLogger(__name__)

BACKOFF_MAX = 60.0
RoomHandler = Callable[[dict[str, Any]], Awaitable[None]]


class SyncLoop:
    """Syncs, hands each room's timeline events in order to ``handle`` (rooms side by side),
    waits for all of them, then keeps the batch's token."""

    def __init__(
        self,
        client: Client,
        store: PgCryptoStore,
        lanes: ChatLanes,
        handle: RoomHandler,
        timeout_seconds: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._store = store
        self._lanes = lanes
        self._handle_event = handle
        self._timeout = int(timeout_seconds * 1000)
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._handling = False
        self._stopping = False

    def start(self) -> None:
        """Begin syncing in the background."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop: a long poll is cancelled; a batch in hand is finished and its token kept."""
        self._stopping = True
        if self._task is None:
            return
        if not self._handling:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        token = await self._store.get_next_batch()
        backoff = 1.0
        while not self._stopping:
            try:
                data = await self._client.sync(since=token, timeout=self._timeout)
            except RateLimited as error:
                await self._sleep(error.retry_after)
                continue
            except (MatrixRequestError, MatrixConnectionError, ClientError, TimeoutError) as error:
                log.warning("sync failed (%s); again in %.0f s", type(error).__name__, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            self._handling = True
            try:
                await self.handle_batch(data)
            except Exception as error:  # the batch comes again: the core drops repeats
                log.error("sync batch failed (%s); it comes again", type(error).__name__)
                await self._sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            finally:
                self._handling = False
            token = data["next_batch"]
            await self._store.put_next_batch(token)
            backoff = 1.0

    async def handle_batch(self, data: dict[str, Any]) -> None:
        """One batch: crypto and state first (awaited), then invites (joined), then each
        room's events in its lane; returns once all are handled (raises if any failed)."""
        client = self._client
        await asyncio.gather(*client.handle_sync(data))  # type: ignore[arg-type]
        rooms = data.get("rooms", {})
        for room_id in rooms.get("invite", {}):
            await patiently("join", partial(client.join_room, RoomID(room_id)), 60.0)
        tasks = []
        for room_id, room in rooms.get("join", {}).items():
            for raw in room.get("timeline", {}).get("events", []):
                if raw.get("sender") == client.mxid or "state_key" in raw:
                    continue
                raw["room_id"] = room_id
                tasks.append(await self._lanes.submit(room_id, partial(self._handle_event, raw)))
        failed = [r for r in await asyncio.gather(*tasks, return_exceptions=True) if r]
        if failed:
            raise failed[0]
