"""python-telegram-bot's HTTP transport on aiohttp (which the bot already serves with).

The library's default transport, httpx, costs about a millisecond of CPU per Bot API call and
scans its whole connection pool on every request; at the message rates of a busy network that
is most of a turn's budget. The library lets the transport be replaced (``BaseRequest``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import IO

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0
JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session with at most ``connections`` connections."""

    __slots__ = ("_connections", "_pool_timeout", "_session")

    def __init__(self, connections: int, pool_timeout: float) -> None:
        self._connections = connections
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        """Seconds to wait for an answer unless a call says otherwise."""
        return READ_TIMEOUT

    async def initialize(self) -> None:
        """Open the session (idempotent)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; the HTTP status and the body (the library reads the rest)."""
        if self._session is None or self._session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        read = _given(read_timeout, READ_TIMEOUT)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT)
        connect = _given(connect_timeout, CONNECT_TIMEOUT)
        pool = _given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            # aiohttp's "connect" covers waiting for a pooled connection and opening one.
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=_max(read, write),
        )
        data: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] | None = None
        if files and request_data is not None:
            data = _form(request_data.json_parameters, files)
        elif request_data is not None:
            # A JSON body, which the Bot API takes as well as a form: it costs less to build
            # than a urlencoded form (the library's own transport sends forms).
            data = json.dumps(request_data.parameters).encode()
            headers = JSON
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as answer:
                body = await answer.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp {type(error).__name__}") from error
        # As httpx logs its requests; the URL holds the token, which the log filter redacts.
        log.debug("HTTP Request: %s %s %d", method, url, answer.status)
        return answer.status, body


def _given(value: ODVInput[float], default: float) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def _max(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else max(a, b)


def _form(
    parameters: Mapping[str, str], files: Mapping[str, tuple[str, bytes | IO[bytes], str]]
) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in parameters.items():
        form.add_field(name, value)
    for name, (filename, content, content_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=content_type)
    return form
