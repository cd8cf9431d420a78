"""Outgoing replies: what the core asks a channel adapter to show."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from typing import TypedDict

from bot.channels.events import Address
from bot.channels.home import HomeView
from bot.channels.parts import (
    Attachment,
    Card,
    Choice,
    Copy,
    FieldError,
    Placement,
    Thread,
    View,
)

__all__ = ["Choice", "HomeView", "Outgoing", "Removal", "Reply", "outgoing_from_payload"]

JSON = "application/json"


def numbered(choices: tuple[Choice, ...]) -> list[tuple[int, Choice]]:
    """Each choice with the number it is typed by: its fixed ``position`` when it has one, else
    the number after the highest so far (so Done after options 2, 4 and 5 is 6)."""
    out: list[tuple[int, Choice]] = []
    for choice in choices:
        number = choice.position or (max((n for n, _ in out), default=0) + 1)
        out.append((number, choice))
    return out


@dataclass(frozen=True)
class Reply:
    """A message for one recipient, optionally with choices.

    ``nonce`` identifies the dialog step the choices belong to, so a choice from an
    earlier step can be recognised as expired. ``parts_sent`` holds the platform ids of the
    parts a channel already delivered (a long reply goes out in several): a retry resumes
    after them. The keyword-only parts (see ``bot.channels.parts``) tell a channel how to
    show it; ``concern`` is the reference (a pseudonymous code) of the concern it is about.
    """

    to: Address
    text: str
    choices: tuple[Choice, ...] = ()
    nonce: str | None = None
    parts_sent: tuple[str, ...] = ()
    _: KW_ONLY
    view: View | None = None
    attachment: Attachment | None = None
    card: Card | None = None
    thread: Thread | None = None
    copy: Copy | None = None
    concern: str | None = None
    error: FieldError | None = None
    placement: Placement | None = None
    ends_dialog: bool = False
    """Said in the member's own turn that ended their open dialog: numbers they type no longer
    refer to its step (a console keeps track of the open step by this)."""

    def to_payload(self) -> dict[str, object]:
        """Return a JSON-serialisable form of everything but the address."""
        payload: dict[str, object] = {
            "op": "reply",
            "text": self.text,
            "choices": [[c.id, c.label, *([c.position] * bool(c.position))] for c in self.choices],
            "nonce": self.nonce,
            "extra": self._extra(),
        }
        if self.parts_sent:
            payload["parts_sent"] = list(self.parts_sent)
        return payload

    @classmethod
    def from_payload(cls, to: Address, payload: dict[str, object]) -> Reply:
        """Rebuild a reply from ``to_payload`` output."""
        raw_choices = payload.get("choices") or []
        assert isinstance(raw_choices, list)
        choices = tuple(
            Choice(str(c[0]), str(c[1]), int(c[2]) if len(c) > 2 else None) for c in raw_choices
        )
        nonce = payload.get("nonce")
        extra = payload.get("extra") or {}
        assert isinstance(extra, dict)
        parts_sent = payload.get("parts_sent") or []
        assert isinstance(parts_sent, list)
        return cls(
            to=to,
            text=str(payload.get("text", "")),
            choices=choices,
            nonce=None if nonce is None else str(nonce),
            parts_sent=tuple(str(i) for i in parts_sent),
            **(_parts({str(k): str(v) for k, v in extra.items()}) if extra else {}),
        )

    def _extra(self) -> dict[str, str]:
        """The parts as the flat ``extra`` object of string keys the outbox payload has always
        held, so that rows written by earlier versions read back the same (no schema change)."""
        extra: dict[str, str] = {}
        if self.view is not None:
            extra["view"] = self.view.kind
            extra["title"] = self.view.title
        if self.copy is not None:
            extra["copy"] = self.copy.slot
        if self.thread is not None:
            extra["thread"] = self.thread.slot
        if self.card is not None:
            extra["slot"] = self.card.slot
        if self.concern is not None:
            extra["concern"] = self.concern
        if self.card is not None and self.card.replaces:
            extra["replace"] = self.card.slot
        if self.error is not None:
            extra["error"] = self.error.field
        if self.attachment is not None:
            extra.update(_file_extra(self.attachment))
        if self.placement is not None:
            extra["edit_ref" if self.placement.edit else "thread_ref"] = self.placement.ref
        if self.ends_dialog:
            extra["ends_dialog"] = "1"
        return extra


class _Parts(TypedDict, total=False):
    view: View | None
    attachment: Attachment | None
    card: Card | None
    thread: Thread | None
    copy: Copy | None
    concern: str | None
    error: FieldError | None
    placement: Placement | None
    ends_dialog: bool


def _parts(extra: Mapping[str, str]) -> _Parts:
    """The parts read from an ``extra`` object (``Reply._extra``'s, or an earlier version's)."""
    view = extra.get("view")
    slot = extra.get("slot") or extra.get("replace")
    copy, thread, error = extra.get("copy"), extra.get("thread"), extra.get("error")
    edit, under = extra.get("edit_ref"), extra.get("thread_ref")
    return _Parts(
        view=View(view, extra.get("title", "")) if view else None,
        attachment=_attachment(extra),
        card=Card(slot, replaces=bool(extra.get("replace"))) if slot else None,
        thread=Thread(thread) if thread else None,
        copy=Copy(copy) if copy else None,
        concern=extra.get("concern") or None,
        error=FieldError(error) if error else None,
        placement=Placement(edit or under or "", edit=bool(edit)) if edit or under else None,
        ends_dialog=extra.get("ends_dialog") == "1",
    )


def _file_extra(file: Attachment) -> dict[str, str]:
    """A file as ``extra`` holds it: a JSON export as its text, as earlier versions wrote it
    (and read it), any other file as its bytes in base64 with their media type."""
    if file.media_type == JSON:
        try:
            return {"file_name": file.name, "file": file.data.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    encoded = base64.b64encode(file.data).decode("ascii")
    return {"file_name": file.name, "file_b64": encoded, "file_type": file.media_type}


def _attachment(extra: Mapping[str, str]) -> Attachment | None:
    """The file of an ``extra`` object: its bytes in base64 (``file_b64``), or the text an
    earlier version stored as it was (``file``, a JSON export)."""
    name = extra.get("file_name", "")
    if extra.get("file_b64"):
        data = base64.b64decode(extra["file_b64"], validate=True)
        return Attachment(name, data, extra.get("file_type") or "application/octet-stream")
    if extra.get("file"):
        return Attachment.text(name, extra["file"], JSON)
    return None


@dataclass(frozen=True)
class Removal:
    """A request to delete messages the member sent in their chat (chat hygiene)."""

    to: Address
    message_ids: tuple[str, ...]

    def to_payload(self) -> dict[str, object]:
        """Return a JSON-serialisable form of everything but the address."""
        return {"op": "remove", "message_ids": list(self.message_ids)}


Outgoing = Reply | Removal | HomeView


def outgoing_from_payload(to: Address, payload: dict[str, object]) -> Outgoing:
    """Rebuild a ``Reply``, ``Removal`` or ``HomeView`` stored with ``to_payload``."""
    if payload.get("op") == "home":
        return HomeView.from_payload(to, payload)
    if payload.get("op") == "remove":
        ids = payload.get("message_ids") or []
        assert isinstance(ids, list)
        return Removal(to, tuple(str(i) for i in ids))
    return Reply.from_payload(to, payload)
