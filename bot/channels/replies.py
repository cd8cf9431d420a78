"""Outgoing replies: what the core asks a channel adapter to show."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels.events import Address


@dataclass(frozen=True)
class Choice:
    """One option the recipient can pick; ``id`` comes back in ``ChoiceMade``."""

    id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """A message for one recipient, optionally with choices.

    ``nonce`` identifies the dialog step the choices belong to, so a choice from an
    earlier step can be recognised as expired. ``parts_sent`` holds the platform ids of the
    parts a channel already delivered (a long reply goes out in several): a retry resumes
    after them.
    """

    to: Address
    text: str
    choices: tuple[Choice, ...] = ()
    nonce: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    parts_sent: tuple[str, ...] = ()

    def to_payload(self) -> dict[str, object]:
        """Return a JSON-serialisable form of everything but the address."""
        payload: dict[str, object] = {
            "op": "reply",
            "text": self.text,
            "choices": [[c.id, c.label] for c in self.choices],
            "nonce": self.nonce,
            "extra": dict(self.extra),
        }
        if self.parts_sent:
            payload["parts_sent"] = list(self.parts_sent)
        return payload

    @classmethod
    def from_payload(cls, to: Address, payload: dict[str, object]) -> Reply:
        """Rebuild a reply from ``to_payload`` output."""
        raw_choices = payload.get("choices") or []
        assert isinstance(raw_choices, list)
        choices = tuple(Choice(id=str(c[0]), label=str(c[1])) for c in raw_choices)
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
            extra={str(k): str(v) for k, v in extra.items()},
            parts_sent=tuple(str(i) for i in parts_sent),
        )


@dataclass(frozen=True)
class Removal:
    """A request to delete messages the member sent in their chat (chat hygiene)."""

    to: Address
    message_ids: tuple[str, ...]

    def to_payload(self) -> dict[str, object]:
        """Return a JSON-serialisable form of everything but the address."""
        return {"op": "remove", "message_ids": list(self.message_ids)}


Outgoing = Reply | Removal


def outgoing_from_payload(to: Address, payload: dict[str, object]) -> Outgoing:
    """Rebuild a ``Reply`` or ``Removal`` stored with ``to_payload``."""
    if payload.get("op") == "remove":
        ids = payload.get("message_ids") or []
        assert isinstance(ids, list)
        return Removal(to, tuple(str(i) for i in ids))
    return Reply.from_payload(to, payload)
