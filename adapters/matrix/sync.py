"""The sync loop: a batch's token is stored only after every event of it (and of every batch
before it) was handled, so a crash or a failed handler brings the batch again (the core drops
repeats by event id)."""

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
from mautrix.types import RoomID, SyncToken

from adapters.lanes import ChatLanes
from adapters.matrix.limits import RateLimited, patiently

log = logging.getLogger(__name__)

BACKOFF_MAX = 60.0
RoomHandler = Callable[[dict[str, Any]], Awaitable[None]]


class SyncLoop:
    """Syncs, hands each room's timeline events in order to ``handle`` (rooms side by side),
    and keeps a batch's token once its events and those of every earlier batch are handled.

    The next sync does not wait for the handlers: a room key that comes after its message
    (in a later batch's to-device events) must reach a handler that waits for it."""

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
        self._kept: asyncio.Task[bool] | None = None
        """Keeps the newest batch's token after the earlier ones' (False: not kept)."""
        self._failed = False

    def start(self) -> None:
        """Begin syncing in the background."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop: a long poll is cancelled; the batches in hand are finished, their tokens kept."""
        self._stopping = True
        if self._task is None:
            return
        if not self._handling:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._settled()

    async def _run(self) -> None:
        token = await self._store.get_next_batch()
        backoff = 1.0
        while not self._stopping:
            if self._failed:  # a batch failed: it comes again, from the last token kept
                await self._settled()
                self._failed = False
                token = await self._store.get_next_batch()
                await self._sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
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
                handled = await self.dispatch(data)
            except Exception as error:
                log.error("sync batch failed (%s); it comes again", type(error).__name__)
                self._failed = True
                continue
            finally:
                self._handling = False
            token = data["next_batch"]
            self._kept = asyncio.create_task(self._keep(token, handled, self._kept))
            backoff = 1.0
        await self._settled()

    async def _keep(
        self, token: str, handled: Awaitable[None], previous: asyncio.Task[bool] | None
    ) -> bool:
        """Keep ``token`` once its batch and every earlier one were handled."""
        earlier = previous is None or await previous
        try:
            await handled
            if earlier and not self._failed:
                await self._store.put_next_batch(SyncToken(token))
                return True
        except Exception as error:  # the batch comes again: the core drops repeats
            if not self._failed:
                log.error("sync batch failed (%s); it comes again", type(error).__name__)
            self._failed = True
        return False

    async def _settled(self) -> None:
        """Wait until every batch in hand is handled (and its token kept, if it may be)."""
        if self._kept is not None:
            await self._kept

    async def handle_batch(self, data: dict[str, Any]) -> None:
        """One batch, handled to its end (raises if any handler failed)."""
        await (await self.dispatch(data))

    async def dispatch(self, data: dict[str, Any]) -> asyncio.Future[None]:
        """One batch: crypto and state first (awaited), then invites (joined), then each
        room's events in its lane; returns what ends once all are handled (raises if any
        failed)."""
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
        return asyncio.ensure_future(_all(tasks))


async def _all(tasks: list[asyncio.Task[None]]) -> None:
    """Wait for every task; raise the first failure."""
    failed = [r for r in await asyncio.gather(*tasks, return_exceptions=True) if r]
    if failed:
        raise failed[0]
