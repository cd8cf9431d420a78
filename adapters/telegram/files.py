"""Files to a Telegram chat: a picture as a photo (sendPhoto), anything else as a document
(sendDocument), each uploaded as multipart/form-data through python-telegram-bot."""

from __future__ import annotations

from telegram import Bot, InputFile, Message

from bot.channels.parts import Attachment

PHOTO_LIMIT = 10 * 1024 * 1024
"""sendPhoto: "The photo must be at most 10 MB in size" (larger pictures go as documents)."""


async def send_file(bot: Bot, chat_id: int, file: Attachment, caption: str = "") -> Message:
    """Upload ``file`` to ``chat_id``; a PNG or JPEG within the photo limit shows as a photo."""
    upload = InputFile(file.data, filename=file.name or "file")
    if file.is_image and len(file.data) <= PHOTO_LIMIT:
        return await bot.send_photo(chat_id, upload, caption=caption or None)
    return await bot.send_document(chat_id, upload, caption=caption or None)
