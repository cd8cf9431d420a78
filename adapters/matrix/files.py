"""Files in an encrypted room: encrypted before upload, so the homeserver holds ciphertext."""

from __future__ import annotations

from typing import Any

from mautrix.client import Client
from mautrix.crypto.attachments import encrypt_attachment
from mautrix.types import EventType, RoomID

from bot.channels.parts import Attachment


async def send_file(client: Client, room_id: RoomID, attachment: Attachment) -> str:
    """Encrypt ``attachment``, upload the ciphertext and send it as m.file or m.image."""
    ciphertext, file = encrypt_attachment(attachment.data)
    file.url = await client.upload_media(
        ciphertext, mime_type="application/octet-stream", filename="file"
    )
    image = attachment.media_type.startswith("image/")
    content: dict[str, Any] = {
        "msgtype": "m.image" if image else "m.file",
        "body": attachment.name,
        "filename": attachment.name,
        "info": {"mimetype": attachment.media_type, "size": len(attachment.data)},
        "file": file.serialize(),
    }
    sent = await client.send_message_event(room_id, EventType.ROOM_MESSAGE, content)  # type: ignore[arg-type]
    return str(sent)
