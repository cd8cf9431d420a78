"""A long free-text answer taken over several messages: the pieces of one paste (which a chat
app splits at its message limit) join into one text in order, and the answer's limit is said
before anything is dropped; a message past it is refused whole, never kept in part."""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.text import MAX_ACCOUNT_CHARS, MAX_MESSAGE_CHARS, clean
from bot.conversation.text_units import utf16_len
from bot.i18n import N_, N_plural, Translate, ngettext

PASTE = "_paste"
"""The answers' key for how the last message of a long answer ended (see ``Paste``)."""

PARTIAL = "_partial"
"""The answers' key that marks a short answer taken over several messages (a paste), by the
nonce of the step it belongs to."""

PIECE_UNITS = 4000
"""A message at least this long (in UTF-16 units) is taken for a piece a chat app cut from a
longer paste (Telegram cuts at 4096, ``MAX_MESSAGE_CHARS``): the next message continues it,
joined as it was cut."""

WARN_AT = 0.8
"""From this share of the limit on, every answer says how much room is left."""

NOTED = N_plural(
    "Noted ({count} character so far). Write more, or choose Done when complete.",
    "Noted ({count} characters so far). Write more, or choose Done when complete.",
)
ROOM = N_(
    "This answer can hold {left} more characters ({limit} in all); "
    "a message longer than that will not be added."
)
TOO_LONG = N_(
    "Not added: that message ({count} characters) would take this answer past its limit "
    "of {limit} characters."
)
CUT_OFF = N_(
    "Not added: that message ({count} characters) continues one that was not added, "
    "so it would be a fragment."
)
KEPT = N_plural(  # counted by the messages not added
    "Kept: {kept} characters, ending with “{tail}”. Not added since then: {dropped} characters "
    "in {messages} message. You can still add {left} characters, or choose Done to go on "
    "with what is kept.",
    "Kept: {kept} characters, ending with “{tail}”. Not added since then: {dropped} characters "
    "in {messages} messages. You can still add {left} characters, or choose Done to go on "
    "with what is kept.",
)

NOTHING_KEPT = N_plural(  # counted by the messages not added
    "Nothing of this answer is kept yet. Not added: {dropped} characters in {messages} "
    "message. You can add up to {left} characters.",
    "Nothing of this answer is kept yet. Not added: {dropped} characters in {messages} "
    "messages. You can add up to {left} characters.",
)


@dataclass(frozen=True)
class Paste:
    """How the last message of an answer ended: ``open`` when it was a piece the next message
    continues (``gap`` is the whitespace at its end), ``refused`` when a piece was not added
    (the next message would be a fragment of it)."""

    phase: str
    nonce: str
    gap: str = ""
    dropped: int = 0
    messages: int = 0

    def to_answer(self) -> list[str]:
        """As stored among a dialog's answers."""
        return [self.phase, self.nonce, self.gap, str(self.dropped), str(self.messages)]

    @classmethod
    def from_answer(cls, value: object, nonce: str) -> Paste | None:
        """The stored paste state, if it belongs to the step shown as ``nonce``."""
        if not isinstance(value, list) or len(value) != 5 or value[1] != nonce:
            return None
        return cls(value[0], value[1], value[2], int(value[3]), int(value[4]))


@dataclass(frozen=True)
class Outcome:
    """The parts after a message (None when it was refused), the paste state and the lead."""

    parts: list[str] | None
    paste: Paste | None
    lead: str


def is_piece(raw: str) -> bool:
    """True when ``raw`` is long enough to be a piece a chat app cut from a longer paste."""
    return PIECE_UNITS <= utf16_len(clean(raw, strip=False)) <= MAX_MESSAGE_CHARS


def add(parts: list[str], raw: str, paste: Paste | None, nonce: str, t: Translate) -> Outcome:
    """Add the message ``raw`` to the answer ``parts`` or refuse it whole, and say which."""
    body = clean(raw, strip=False)
    text = body.strip()
    piece = is_piece(raw)
    kept = sum(len(p) for p in parts) + max(len(parts) - 1, 0)  # joined with newlines
    if paste is not None and paste.phase == "refused":
        return _refused(parts, kept, len(body), piece, paste, nonce, t, CUT_OFF)
    joins = paste is not None and paste.phase == "open" and bool(parts)
    gap = (paste.gap if paste is not None else "") + body[: len(body) - len(body.lstrip())]
    added = len(gap) + len(text) if joins else len(text) + (1 if parts else 0)
    if kept + added > MAX_ACCOUNT_CHARS:
        return _refused(parts, kept, len(body), piece, paste, nonce, t, TOO_LONG)
    new = [*parts[:-1], parts[-1] + gap + text] if joins else [*parts, text]
    total = kept + added
    lead = ngettext(t, NOTED, total).format(count=total)
    if total >= WARN_AT * MAX_ACCOUNT_CHARS:
        lead += " " + t(ROOM).format(left=MAX_ACCOUNT_CHARS - total, limit=MAX_ACCOUNT_CHARS)
    ending = body[len(body.rstrip()) :]
    return Outcome(new, Paste("open", nonce, ending) if piece else None, lead)


def _refused(
    parts: list[str],
    kept: int,
    count: int,
    piece: bool,
    paste: Paste | None,
    nonce: str,
    t: Translate,
    why: str,
) -> Outcome:
    before = paste if paste is not None and paste.phase == "refused" else None
    dropped = count + (before.dropped if before else 0)
    messages = 1 + (before.messages if before else 0)
    # A refused piece makes the message that continues it a fragment: refused too.
    after = Paste("refused", nonce, "", dropped, messages) if piece else None
    room = max(MAX_ACCOUNT_CHARS - kept - (1 if parts else 0), 0)
    lead = t(why).format(count=count, limit=MAX_ACCOUNT_CHARS)
    if parts:
        tail = _tail("\n".join(parts))
        lead += " " + ngettext(t, KEPT, messages).format(
            kept=kept, tail=tail, dropped=dropped, messages=messages, left=room
        )
    else:
        lead += " " + ngettext(t, NOTHING_KEPT, messages).format(
            dropped=dropped, messages=messages, left=room
        )
    return Outcome(None, after, lead)


def _tail(text: str, words: int = 6, most: int = 60) -> str:
    """The last few words of ``text`` on one line, so the reporter sees where it stops."""
    last = " ".join(text.split()[-words:])
    return last if len(last) <= most else "…" + last[-most:]
