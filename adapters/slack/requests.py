"""What ``/slack/events`` takes to slack-bolt: a request Slack could have sent. Anything else is
answered with a 4xx here, before the SDK's parsing can fail on it with a 500 and a traceback."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

from aiohttp import web

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Ten digits until the year 2286; more cannot be a time Slack signs (and overflows a float).
STAMP_DIGITS = 12


async def refusal(request: web.Request) -> web.Response | None:
    """The 4xx answer for a malformed request, or None when bolt may judge it."""
    if request.content_type not in (FORM, JSON) or request.charset not in (None, "utf-8"):
        return _refuse(415, "content type")
    stamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= STAMP_DIGITS):
        return _refuse(401, "timestamp")
    if not request.headers.get("X-Slack-Signature"):
        return _refuse(401, "signature")
    # Past client_max_size, read() raises aiohttp's own 413, which it answers without a trace.
    raw = await request.read()
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _refuse(400, "encoding")
    if not _parses(body, request.content_type):
        return _refuse(400, "body")
    return None


def _parses(body: str, content_type: str) -> bool:
    """True when the body parses as bolt parses it, into an object."""
    if not body:
        return True
    try:
        if content_type == JSON or body.startswith("{"):
            return isinstance(json.loads(body), dict)
        payload = dict(parse_qsl(body, keep_blank_values=True)).get("payload")
        return payload is None or isinstance(json.loads(payload), dict)
    except (ValueError, RecursionError):
        return False


def _refuse(status: int, what: str) -> web.Response:
    log.warning("refused a malformed Slack request: %s", what)
    return web.Response(status=status, text="bad request")


_TOKEN_UNUSED = "As you gave `client` as well, `token` will be unused."


def not_misleading(record: logging.LogRecord) -> bool:
    """A log filter: slack_bolt reads $SLACK_BOT_TOKEN on its own and warns that it goes
    unused; the client we give it carries that very token, so the warning only confuses."""
    return record.getMessage() != _TOKEN_UNUSED
