"""mautrix's log lines without the people in them: Matrix user ids masked in every record, and
mautrix's crypto warnings (a device not cross-signed, named by its owner's id, at every
message) kept to errors."""

from __future__ import annotations

import logging
import re

MATRIX_ID = re.compile(r"(?<![^\s'\"(<\[,=])@[a-z0-9._=/+\-]+:[A-Za-z0-9.\-]+(?::\d+)?")
"""A Matrix user id as it appears in a log line: after a space, a quote or a bracket (not
the ``user:password@host`` of a URL)."""


class MaskedIds(logging.Filter):
    """Replaces each Matrix user id in a record's message with ``@…``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the ids (the record is always kept)."""
        message = record.getMessage()
        masked = MATRIX_ID.sub("@…", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def hide_people() -> None:
    """Put the mask on every handler of the root logger (once) and quiet mautrix's crypto
    logger, unless its level was set on purpose."""
    crypto = logging.getLogger("mau.crypto")
    if crypto.level == logging.NOTSET:
        crypto.setLevel(logging.ERROR)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskedIds) for f in handler.filters):
            handler.addFilter(MaskedIds())
