"""Matrix user ids are masked in log records; URLs with a user and host are left alone."""

from __future__ import annotations

import logging

from adapters.matrix.logs import MaskedIds


def masked(message: str, *args: object) -> str:
    """``message % args`` as the filter leaves it."""
    record = logging.LogRecord("mau.crypto", logging.WARNING, __file__, 1, message, args, None)
    assert MaskedIds().filter(record)
    return record.getMessage()


def test_user_ids_are_masked_wherever_mautrix_puts_them() -> None:
    assert masked("Device %s/ABCDEF isn't cross-signed", "@fatima1:localhost") == (
        "Device @…/ABCDEF isn't cross-signed"
    )
    assert masked("Didn't find key of @carla:example.org:8448") == "Didn't find key of @…"
    assert masked("members ['@a_b.c=d:matrix.example.org', (@x:y)]") == "members ['@…', (@…)]"


def test_a_url_with_a_user_and_a_port_is_not_a_user_id() -> None:
    url = "postgresql://concernbot:[redacted]@127.0.0.1:1/bot"
    assert masked("careless line: %s.", url) == f"careless line: {url}."
    assert masked("mail anna@example.org:25") == "mail anna@example.org:25"
