"""Event contents as Element sends them, and what a test user received (for ``NioUser``)."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from typing import Any

from nio.crypto import decrypt_attachment, encrypt_attachment

# A 1x1 transparent PNG: the smallest real image a test sends.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
MESSAGE_TYPES = frozenset({"m.room.message", "m.reaction", "m.sticker", "m.room.encrypted"})


@dataclass(frozen=True)
class Received:
    """One timeline event a test user saw, decrypted where it could be."""

    event_id: str
    sender: str
    type: str
    body: str
    content: dict[str, Any] = field(default_factory=dict)
    encrypted: bool = False
    redacted: bool = False
    undecryptable: bool = False

    @property
    def relates_to(self) -> dict[str, Any]:
        """The event's ``m.relates_to`` (empty when it has none)."""
        relation = self.content.get("m.relates_to")
        return relation if isinstance(relation, dict) else {}


def text_content(text: str) -> dict[str, Any]:
    """A plain ``m.text`` message."""
    return {"msgtype": "m.text", "body": text}


def reply_content(
    room_id: str, target: Received | None, target_id: str, text: str
) -> dict[str, Any]:
    """A reply with the rich-reply fallback Element sends (quoted body and ``<mx-reply>``)."""
    content: dict[str, Any] = {
        "msgtype": "m.text",
        "body": text,
        "m.relates_to": {"m.in_reply_to": {"event_id": target_id}},
    }
    if target is None:
        return content
    lines = target.body.splitlines() or [""]
    quoted = [f"> <{target.sender}> {lines[0]}"] + [f"> {line}" for line in lines[1:]]
    content["body"] = "\n".join(quoted) + "\n\n" + text
    link = f"https://matrix.to/#/{room_id}/{target_id}"
    original = "<br>".join(html.escape(line) for line in lines)
    content["format"] = "org.matrix.custom.html"
    content["formatted_body"] = (
        f'<mx-reply><blockquote><a href="{link}">In reply to</a> '
        f'<a href="https://matrix.to/#/{target.sender}">{target.sender}</a><br>{original}'
        f"</blockquote></mx-reply>{html.escape(text)}"
    )
    return content


def reaction_content(event_id: str, key: str) -> dict[str, Any]:
    """An ``m.reaction`` annotation of ``event_id`` with ``key`` (an emoji such as "2️⃣")."""
    return {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}


def edit_content(event_id: str, new_text: str) -> dict[str, Any]:
    """An edit (``m.replace``) of ``event_id``, with the "* " fallback body Element sends."""
    return {
        "msgtype": "m.text",
        "body": f"* {new_text}",
        "m.new_content": {"msgtype": "m.text", "body": new_text},
        "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
    }


def encrypt_file(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """The ciphertext of ``data`` and the ``file`` object without its ``url`` yet."""
    ciphertext, keys = encrypt_attachment(data)
    return ciphertext, dict(keys)


def file_content(
    msgtype: str, name: str, mimetype: str, size: int, url: str, keys: dict[str, Any] | None
) -> dict[str, Any]:
    """An ``m.image``/``m.file`` message: ``file`` (encrypted) or ``url`` (plain)."""
    content: dict[str, Any] = {
        "msgtype": msgtype,
        "body": name,
        "info": {"mimetype": mimetype, "size": size},
    }
    if keys is None:
        content["url"] = url
    else:
        content["file"] = {**keys, "url": url, "mimetype": mimetype}
    return content


def media_source(content: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The mxc URL of an attachment message and its ``file`` keys (None when plain)."""
    encrypted = content.get("file")
    if isinstance(encrypted, dict):
        return str(encrypted["url"]), encrypted
    url = content.get("url")
    if not isinstance(url, str):
        raise AssertionError(f"no attachment in a {content.get('msgtype')!r} message")
    return url, None


def decrypt_file(ciphertext: bytes, keys: dict[str, Any]) -> bytes:
    """The plaintext of a downloaded encrypted attachment (checks its sha256)."""
    plain: bytes = decrypt_attachment(
        ciphertext, keys["key"]["k"], keys["hashes"]["sha256"], keys["iv"]
    )
    return plain
