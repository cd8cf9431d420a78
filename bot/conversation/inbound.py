"""Platform strings made safe at the core's door: every event's text, names and values go
through the same hygiene before anything stores or shows them, whichever adapter sent it."""

from __future__ import annotations

from dataclasses import replace

from bot.channels.events import (
    ChoiceMade,
    CommandReceived,
    FormSubmitted,
    InboundEvent,
    Sender,
    TextReceived,
    UnsupportedReceived,
)
from bot.conversation.text import clean
from bot.conversation.text_units import utf16_cut

MAX_NAME_UNITS = 128
"""The longest display name kept (in UTF-16 units, cut between graphemes)."""


def sanitised(event: InboundEvent) -> InboundEvent:
    """``event`` with every platform string cleaned; ids (addresses, message and event ids)
    are the platform's own keys and stay as they are."""
    sender = _sender(event.sender)
    if isinstance(event, TextReceived):
        # Outer whitespace is kept: where one message ends and the next begins tells the
        # dialog how the pieces of a long paste join.
        return replace(event, sender=sender, text=clean(event.text, strip=False))
    if isinstance(event, CommandReceived):
        return replace(event, sender=sender, command=clean(event.command), args=clean(event.args))
    if isinstance(event, ChoiceMade):
        nonce = None if event.nonce is None else clean(event.nonce)
        return replace(event, sender=sender, choice_id=clean(event.choice_id), nonce=nonce)
    if isinstance(event, FormSubmitted):
        values = {clean(key): clean(value) for key, value in event.values.items()}
        return replace(event, sender=sender, form=clean(event.form), values=values)
    if isinstance(event, UnsupportedReceived):
        return replace(event, sender=sender, kind=clean(event.kind))
    return event


def clean_name(name: str | None) -> str | None:
    """A display name on one line, without invisible characters, at most ``MAX_NAME_UNITS``;
    None when nothing visible is left."""
    if name is None:
        return None
    flat = " ".join(clean(name).split())
    return utf16_cut(flat, MAX_NAME_UNITS).rstrip() or None


def _sender(sender: Sender) -> Sender:
    language = None if sender.language is None else clean(sender.language) or None
    return replace(sender, display_name=clean_name(sender.display_name), language=language)
