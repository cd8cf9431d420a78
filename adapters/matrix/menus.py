"""What the numbers mean in one user's Matrix chat: the choices the bot showed them, by event id.

The console's rules (``adapters/console/chat.py``), kept across restarts: a reply with a nonce
opens a dialog step and one that ends the dialog closes it; while a step is open, the choices of
any other reply (an alert) are shown without numbers, and typed numbers keep answering the step,
so a ``1`` meant for the step can never acknowledge the alert (issue 17). In a text step (only
Done and Skip) a typed number is text. A reply to one of the bot's messages, or a number reaction
on it, refers to that message's choices. Labels are kept as digests only: a label may carry a
preview of a coordinator's question, which must not lie in the adapter's store in the clear.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.matrix.translate import keycap_number, writing
from bot.channels.replies import Reply, numbered
from bot.domain.numbers import small_number

log = logging.getLogger(__name__)

MAX_SHOWN = 20
"""Messages with choices remembered per user, the newest kept."""
VERSION = 1
Picked = tuple[str, str | None]
"""A choice id and the nonce of the step it belongs to (None outside a dialog)."""


def label_digest(label: str) -> str:
    """A label as it is kept: a digest of its trimmed, case-folded text."""
    return hashlib.sha256(label.strip().casefold().encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Shown:
    """One message of the bot with choices, or an open step: its parts' event ids, each choice
    as (number, choice id, label digest), its step nonce, and whether its numbers were shown."""

    events: tuple[str, ...]
    choices: tuple[tuple[int, str, str], ...] = ()
    nonce: str | None = None
    numbered: bool = True

    def number(self, number: int) -> Picked | None:
        """The choice shown with ``number``, if numbers were shown."""
        if self.numbered:
            for shown, choice_id, _ in self.choices:
                if shown == number:
                    return choice_id, self.nonce
        return None

    def pick(self, text: str) -> Picked | None:
        """The choice ``text`` names: by its number (if shown), else by its exact label."""
        number = small_number(text)
        picked = None if number is None else self.number(number)
        if picked is not None:
            return picked
        digest = label_digest(text)
        for _, choice_id, label in self.choices:
            if label == digest:
                return choice_id, self.nonce
        return None


@dataclass
class RoomMenus:
    """The per-user memory of what numbers mean: the open step, the last menu outside a dialog,
    and the last ``MAX_SHOWN`` messages with choices."""

    step: Shown | None = None
    menu: Shown | None = None
    shown: list[Shown] = field(default_factory=list)

    def numbers_for(self, reply: Reply) -> bool:
        """False when ``reply`` is to show its choices without numbers: it has choices and no
        nonce, and a dialog step stays open after it."""
        if not reply.choices or reply.nonce is not None or reply.ends_dialog:
            return True
        return self.step is None

    def record(self, reply: Reply, event_ids: Sequence[str], numbers: bool) -> None:
        """Remember a reply once sent (``event_ids``: its parts'), ``numbers`` as rendered."""
        choices = tuple((n, c.id, label_digest(c.label)) for n, c in numbered(reply.choices))
        entry = Shown(tuple(event_ids), choices, reply.nonce, numbers and not writing(reply))
        if reply.nonce is not None:
            self.step = entry
        elif reply.ends_dialog:
            self.step = None
        if not reply.choices:
            return
        if reply.nonce is None:
            self.menu = entry
        if entry.events:
            ids = set(entry.events)
            kept = [s for s in self.shown if not ids.intersection(s.events)]
            self.shown = [*kept[-(MAX_SHOWN - 1) :], entry]

    def resolve_text(self, text: str, reply_to: str | None) -> Picked | None:
        """The choice typed ``text`` picks: from the message replied to (none if that is not one
        with choices); else from the open step; else from the last menu."""
        stripped = text.strip()
        if not stripped:
            return None
        if reply_to is not None:
            target = self.find(reply_to)
            return None if target is None else target.pick(stripped)
        current = self.step if self.step is not None else self.menu
        return None if current is None else current.pick(stripped)

    def resolve_reaction(self, event_id: str, key: str) -> Picked | None:
        """The choice a number reaction (``1️⃣``, ``1``) on a numbered message of the bot picks."""
        number = keycap_number(key)
        target = self.find(event_id)
        return None if number is None or target is None else target.number(number)

    def find(self, event_id: str) -> Shown | None:
        """The remembered message one of whose parts is ``event_id``."""
        for entry in (*reversed(self.shown), self.step, self.menu):
            if entry is not None and event_id in entry.events:
                return entry
        return None

    def to_json(self) -> str:
        """The memory as JSON, for the adapter's store."""
        data = {
            "v": VERSION,
            "step": _encode(self.step),
            "menu": _encode(self.menu),
            "shown": [_encode(s) for s in self.shown],
        }
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> RoomMenus:
        """The memory ``to_json`` wrote; anything malformed starts empty (nothing of it logged)."""
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("v") != VERSION:
                raise ValueError("not a menus record")
            shown = data["shown"]
            if not isinstance(shown, list):
                raise ValueError("shown is not a list")
            return cls(
                _decode_optional(data["step"]),
                _decode_optional(data["menu"]),
                [_decode(s) for s in shown][-MAX_SHOWN:],
            )
        except (ValueError, TypeError, KeyError, RecursionError):
            log.warning("stored Matrix menus unreadable; starting with none")
            return cls()


def _encode(entry: Shown | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {
        "events": list(entry.events),
        "choices": [list(c) for c in entry.choices],
        "nonce": entry.nonce,
        "numbered": entry.numbered,
    }


def _decode_optional(raw: object) -> Shown | None:
    return None if raw is None else _decode(raw)


def _decode(raw: object) -> Shown:
    """One entry, every field's type checked (a value of the wrong type raises ValueError)."""
    if not isinstance(raw, dict) or set(raw) != {"events", "choices", "nonce", "numbered"}:
        raise ValueError("not a menus entry")
    events, choices, nonce, shown = raw["events"], raw["choices"], raw["nonce"], raw["numbered"]
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise ValueError("bad events")
    if not (nonce is None or isinstance(nonce, str)) or not isinstance(shown, bool):
        raise ValueError("bad nonce or numbered")
    if not isinstance(choices, list):
        raise ValueError("bad choices")
    return Shown(tuple(events), tuple(_choice(c) for c in choices), nonce, shown)


def _choice(raw: object) -> tuple[int, str, str]:
    if not isinstance(raw, list) or len(raw) != 3:
        raise ValueError("bad choice")
    number, choice_id, label = raw
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValueError("bad choice number")
    if not isinstance(choice_id, str) or not isinstance(label, str):
        raise ValueError("bad choice id or label")
    return number, choice_id, label
