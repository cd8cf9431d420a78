"""The typed parts of an outgoing reply: how a channel is to show it, beyond its text.

Each part is optional; a channel uses what it can show and ignores the rest.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    """One option the recipient can pick; ``id`` comes back in ``ChoiceMade``. ``position``,
    when set, is the option's fixed number where numbers are typed (a console): the same action
    keeps its number whichever others are left out."""

    id: str
    label: str
    position: int | None = None


@dataclass(frozen=True)
class View:
    """Show the reply in a read-only window where the channel has them (such as a modal),
    titled ``title``; ``kind`` says what it shows (``details`` of a concern, a ``reply``)."""

    kind: str
    title: str


@dataclass(frozen=True)
class Attachment:
    """A file sent with the reply (a member's data export, a case sheet, a chart): its bytes
    and their media type (``application/pdf``, ``image/png``, ``text/csv`` …)."""

    name: str
    data: bytes
    media_type: str = "application/octet-stream"

    @classmethod
    def text(cls, name: str, content: str, media_type: str = "text/plain") -> Attachment:
        """A text file, encoded as UTF-8."""
        return cls(name, content.encode("utf-8"), media_type)

    @property
    def is_image(self) -> bool:
        """True for a picture a channel may show as a photo (PNG or JPEG)."""
        return self.media_type in ("image/png", "image/jpeg")


@dataclass(frozen=True)
class Card:
    """A message kept in a slot of the recipient's chat: recorded under ``slot`` once posted,
    and with ``replaces``, an update in place of the message posted earlier in that slot."""

    slot: str
    replaces: bool = False


@dataclass(frozen=True)
class Thread:
    """Post the reply in the thread under the message posted earlier in ``slot``."""

    slot: str


@dataclass(frozen=True)
class Copy:
    """Record every part of the reply, once posted, under ``slot:<n>``, so that the copy can be
    taken back from the chat later (a coordinator's view of a concern's account)."""

    slot: str


@dataclass(frozen=True)
class FieldError:
    """The reply explains what is wrong with one field of a submitted form."""

    field: str


@dataclass(frozen=True)
class Placement:
    """Where the recipient's channel put the earlier message this reply acts on, in the
    channel's own terms: ``ref`` is what its send returned for that message (opaque to the
    core). With ``edit`` the reply updates that message in place; otherwise it is threaded
    under it."""

    ref: str
    edit: bool
