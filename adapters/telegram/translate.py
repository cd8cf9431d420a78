"""Telegram, translated: pure functions from updates to core events and replies to API calls."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.channels.events import (
    Address,
    ChoiceMade,
    InboundEvent,
    Sender,
    UnsupportedReceived,
    parse_text,
)
from bot.channels.replies import Reply
from bot.conversation.text_units import natural_cut, utf16_cut, utf16_len

CHANNEL = "telegram"
MAX_TEXT = 4096
"""Telegram's limit on a message text, in UTF-16 code units."""
MAX_CALLBACK_BYTES = 64

_MEDIA = (
    "photo",
    "sticker",
    "voice",
    "video",
    "video_note",
    "audio",
    "document",
    "animation",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "game",
    "story",
    "paid_media",
)


@dataclass(frozen=True)
class Outgoing:
    """One sendMessage call: chat, text without parse mode, optional inline keyboard."""

    chat_id: int
    text: str
    keyboard: InlineKeyboardMarkup | None = None


def sender_of(update: Update) -> Sender | None:
    """The private-chat sender of an update, or None for groups, channels and bots."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != chat.PRIVATE or user.is_bot:
        return None
    return Sender(Address(CHANNEL, str(chat.id)), user.full_name, user.language_code)


def media_kind(message: Message) -> str | None:
    """The kind of non-text content a message carries, if any."""
    for kind in _MEDIA:
        if getattr(message, kind, None):
            return kind
    return None


def to_event(update: Update) -> InboundEvent | None:
    """Translate an update from a private chat; anything else is None (ignored)."""
    sender = sender_of(update)
    if sender is None:
        return None
    event_id = str(update.update_id)
    if update.callback_query is not None:
        nonce, choice = parse_callback(update.callback_query.data or "")
        return ChoiceMade(sender, choice, nonce, event_id=event_id)
    if update.edited_message is not None:
        return UnsupportedReceived(sender, "edit", event_id=event_id)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        forwarded = message.forward_origin is not None
        replied = message.reply_to_message
        reply_to = None if replied is None else str(replied.message_id)
        return parse_text(
            sender, message.text, str(message.message_id), event_id, forwarded, reply_to
        )
    return UnsupportedReceived(sender, media_kind(message) or "other", event_id=event_id)


def callback_data(nonce: str | None, choice_id: str) -> str:
    """Pack a step nonce and a choice id into Telegram's 64-byte callback data."""
    data = f"{nonce or ''}|{choice_id}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError("choice id too long for Telegram callback data")
    return data


def parse_callback(data: str) -> tuple[str | None, str]:
    """Unpack callback data made by ``callback_data`` (foreign data yields an unknown choice)."""
    nonce, sep, choice = data.partition("|")
    if not sep:
        return None, data
    return (nonce or None), choice


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split text into chunks of at most ``limit`` UTF-16 units (as Telegram counts) at
    paragraph, line or word ends; a surrogate pair is never split."""
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        window = utf16_cut(rest, limit)
        cut = natural_cut(window)
        chunk = rest[:cut].rstrip()
        if chunk:  # Telegram refuses an empty message
            chunks.append(chunk)
        rest = rest[cut:].lstrip()
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def render(reply: Reply) -> list[Outgoing]:
    """The sendMessage calls for a reply: its text split to fit, buttons on the last part."""
    chat_id = int(reply.to.user_id)
    parts = split_text(reply.text or "…")
    keyboard = None
    if reply.choices:
        rows = [
            [
                InlineKeyboardButton(
                    utf16_cut(c.label, 64), callback_data=callback_data(reply.nonce, c.id)
                )
            ]
            for c in reply.choices
        ]
        keyboard = InlineKeyboardMarkup(rows)
    return [
        Outgoing(chat_id, part, keyboard if index == len(parts) - 1 else None)
        for index, part in enumerate(parts)
    ]
