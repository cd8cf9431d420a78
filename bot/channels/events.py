"""Inbound events: what a channel adapter hands to the core."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Address:
    """Where a member can be reached: a channel and the platform's id of the private chat."""

    channel: str
    user_id: str


@dataclass(frozen=True)
class Sender:
    """Who sent an event, as the platform knows them."""

    address: Address
    display_name: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class TextReceived:
    """The sender wrote free text (``forwarded``: passed on from someone else, a source;
    ``reply_to``: the platform id of the bot's message the sender replied to, if any)."""

    sender: Sender
    text: str
    message_id: str | None = None
    event_id: str | None = None
    forwarded: bool = False
    reply_to: str | None = None


@dataclass(frozen=True)
class ChoiceMade:
    """The sender picked one of the offered choices (a button or a numbered line)."""

    sender: Sender
    choice_id: str
    nonce: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class CommandReceived:
    """The sender gave a command such as ``/new``; ``args`` is the rest of the line."""

    sender: Sender
    command: str
    args: str = ""
    event_id: str | None = None


@dataclass(frozen=True)
class UnsupportedReceived:
    """The sender sent something the bot does not take (a photo, a sticker, an edit)."""

    sender: Sender
    kind: str
    event_id: str | None = None


@dataclass(frozen=True)
class FormSubmitted:
    """The sender filled in a form (a Slack modal): ``form`` names it, ``values`` its fields."""

    sender: Sender
    form: str
    values: dict[str, str]
    event_id: str | None = None


@dataclass(frozen=True)
class HomeOpened:
    """The sender opened their home view in a channel that keeps one (Slack's App Home)."""

    sender: Sender
    event_id: str | None = None


InboundEvent = (
    TextReceived | ChoiceMade | CommandReceived | UnsupportedReceived | FormSubmitted | HomeOpened
)


def parse_text(
    sender: Sender,
    text: str,
    message_id: str | None = None,
    event_id: str | None = None,
    forwarded: bool = False,
    reply_to: str | None = None,
) -> TextReceived | CommandReceived:
    """Turn a line of user text into a command event when it starts with ``/`` (a forwarded
    text is never a command: the sender did not type it)."""
    stripped = text.strip()
    if forwarded:
        return TextReceived(sender, text, message_id, event_id, forwarded=True, reply_to=reply_to)
    if stripped.startswith("/") and len(stripped) > 1 and not stripped[1].isspace():
        head, _, rest = stripped[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        return CommandReceived(sender=sender, command=name, args=rest.strip(), event_id=event_id)
    return TextReceived(sender, text, message_id, event_id, reply_to=reply_to)
