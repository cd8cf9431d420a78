"""Logging set-up with a redaction filter: secrets never reach a log line."""

from __future__ import annotations

import logging
import sys

_SECRETS: set[str] = set()
_QUIET = ("httpx", "httpcore", "telegram", "apscheduler", "aiohttp.access", "slack_bolt")


def add_secret(secret: str) -> None:
    """Replace ``secret`` with ``[redacted]`` wherever it would appear in a log record."""
    if len(secret) >= 6:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced."""
    for secret in _SECRETS:
        text = text.replace(secret, "[redacted]")
    return text


class RedactingFilter(logging.Filter):
    """Renders each record's message (and exception text) with secrets removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(verbose: bool = False) -> None:
    """Log to stderr through the redaction filter; quieten chatty HTTP libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
