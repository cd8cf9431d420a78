"""The homeserver's answers to a send, as the outbox's outcomes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from aiohttp import ClientError
from mautrix.errors import MatrixConnectionError, MatrixRequestError

from adapters.matrix.limits import RateLimited
from adapters.ratelimit import SendLimiter
from bot.delivery.outcomes import Disconnected, Rejected, RetryLater, ServerError, Unreachable


@contextlib.contextmanager
def delivery_outcomes(limiter: SendLimiter) -> Iterator[None]:
    """A 429 pauses ``limiter`` and is RetryLater with the homeserver's wait; a 5xx is a
    ServerError, a 403 Unreachable, another 4xx Rejected, no answer Disconnected."""
    try:
        yield
    except RateLimited as error:
        limiter.pause(error.retry_after)
        raise RetryLater(error.retry_after) from None
    except MatrixRequestError as error:
        if error.http_status >= 500:
            raise ServerError(f"http {error.http_status}") from None
        if error.http_status == 403:
            raise Unreachable("forbidden") from None
        raise Rejected(f"http {error.http_status} {error.errcode}") from None
    except (MatrixConnectionError, ClientError, TimeoutError):
        raise Disconnected("homeserver unreachable") from None
