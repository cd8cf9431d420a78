"""Logging set-up with a redaction filter: secrets never reach a log line."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

_SECRETS: set[str] = set()
_factory_installed = False
# Chatty libraries, held at WARNING: their debug lines carry URLs and request bodies (message
# text, an account a channel shows). Each channel names its own libraries' loggers too.
_QUIET = ("httpx", "httpcore", "apscheduler", "aiohttp.access")


def add_secret(secret: str) -> None:
    """Replace ``secret`` with ``[redacted]`` wherever it would appear in a log record."""
    if len(secret) >= 6:
        _SECRETS.add(secret)
        _redact_every_record()


def _redact_every_record() -> None:
    """Redact records as they are made, so no handler (ours, pytest's, a library's) sees a secret.

    A filter on our own handler is not enough: the HTTP client logs request URLs, which carry
    the Telegram token, and other handlers may be attached to the root logger.
    """
    global _factory_installed
    if _factory_installed:
        return
    make = logging.getLogRecordFactory()

    def redacted(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        _scrub(record)
        return record

    logging.setLogRecordFactory(redacted)
    _factory_installed = True


def redact(text: str) -> str:
    """``text`` with every registered secret replaced."""
    for secret in _SECRETS:
        text = text.replace(secret, "[redacted]")
    return text


def _scrub(record: logging.LogRecord) -> None:
    """Rewrite the record in place when its message or exception text carries a secret."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: keep its parts, still redacted
        message = f"{record.msg} {record.args}"
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info:
        text = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(text)
        if cleaned != text:
            record.exc_text, record.exc_info = cleaned, None


class RedactingFilter(logging.Filter):
    """Renders each record's message (and exception text) with secrets removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        _scrub(record)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (already redacted)."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a JSON line."""
        entry = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    verbose: bool = False, structured: bool | None = None, quiet: Sequence[str] = ()
) -> None:
    """Log to stderr through the redaction filter (as JSON lines when ``structured``, or when
    ``CONCERNBOT_LOG_FORMAT=json``); quieten chatty HTTP libraries and the ``quiet`` loggers
    (the channels')."""
    if structured is None:
        structured = os.environ.get("CONCERNBOT_LOG_FORMAT", "").lower() == "json"
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        JsonFormatter()
        if structured
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    for name in (*_QUIET, *quiet):
        logging.getLogger(name).setLevel(logging.WARNING)
