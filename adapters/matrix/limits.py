"""The homeserver's 429s: mautrix drops ``retry_after_ms``; this HTTP API keeps it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from json import JSONDecodeError
from typing import Any, TypeVar

from aiohttp import ClientResponse, ContentTypeError
from mautrix.api import HTTPAPI, Method
from mautrix.errors import MLimitExceeded, make_request_error
from yarl import URL

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_WAIT = 1.0
"""Seconds to wait after a 429 that named no time."""


class RateLimited(MLimitExceeded):
    """``M_LIMIT_EXCEEDED`` with the seconds the homeserver asked us to wait."""

    def __init__(self, text: str, retry_after: float) -> None:
        super().__init__(429, "Too Many Requests")
        self.errcode = "M_LIMIT_EXCEEDED"
        self.retry_after = retry_after


def retry_after(body: Any, header: str | None) -> float:
    """The wait a 429 asks for: ``retry_after_ms`` in the body, else ``Retry-After``."""
    if isinstance(body, dict) and isinstance(body.get("retry_after_ms"), int | float):
        return max(float(body["retry_after_ms"]) / 1000.0, 0.0)
    try:
        return max(float(header), 0.0) if header else DEFAULT_WAIT
    except ValueError:
        return DEFAULT_WAIT


class LimitedAPI(HTTPAPI):
    """mautrix's HTTP API that raises ``RateLimited`` (with the server's wait) on a 429."""

    async def _send(
        self,
        method: Method,
        url: URL,
        content: Any,
        query_params: dict[str, str],
        headers: dict[str, str],
    ) -> tuple[Any, ClientResponse]:
        request = self.session.request(
            str(method), url, data=content, params=query_params, headers=headers
        )
        async with request as response:
            if 200 <= response.status < 300:
                return await response.json(), response
            text = await response.text()
            body: Any = None
            with contextlib.suppress(JSONDecodeError, ContentTypeError, ValueError):
                body = await response.json()
            if response.status == 429:
                raise RateLimited(text, retry_after(body, response.headers.get("Retry-After")))
            errcode = message = unstable = None
            if isinstance(body, dict):
                errcode, message = body.get("errcode"), body.get("error")
                unstable = body.get("org.matrix.msc3848.unstable.errcode")
            raise make_request_error(
                http_status=response.status,
                text=text,
                errcode=errcode,
                message=message,
                unstable_errcode=unstable,
            )


async def patiently(
    what: str,
    call: Callable[[], Awaitable[T]],
    budget: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Call, waiting out 429s for up to ``budget`` seconds in all (then the 429 is raised)."""
    deadline = time.monotonic() + budget
    while True:
        try:
            return await call()
        except RateLimited as error:
            if time.monotonic() + error.retry_after > deadline:
                raise
            log.warning("%s: homeserver asked to wait %.1f s", what, error.retry_after)
            await sleep(error.retry_after)
