"""Updates as Telegram sends them, built for tests, and the chat state the fake Bot API keeps:
which messages exist (and since when) and which callback queries await an answer."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BOT_ID = 7000001
BOT_USERNAME = "concern_test_bot"


@dataclass
class Posted:
    """A message in a chat, as the fake remembers it: when it was sent, its keyboard."""

    date: float
    text: str = ""
    reply_markup: Any = None


def markup(value: Any) -> Any:
    """A keyboard compared as Telegram does: none and an empty one are the same."""
    if not value or value == {"inline_keyboard": []}:
        return None
    return value


class TelegramUpdates:
    """Builds updates and remembers the messages and queries they bring into being."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.messages: dict[tuple[int, int], Posted] = {}
        self.queries: dict[str, float] = {}
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)

    def user(self, user_id: int, language: str = "en") -> dict[str, Any]:
        """A Telegram user object."""
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
            "language_code": language,
        }

    def message(
        self,
        user_id: int,
        text: str | None = None,
        chat_type: str = "private",
        chat_id: int | None = None,
        language: str = "en",
        **extra: Any,
    ) -> dict[str, Any]:
        """A message update from a user (private chat unless told otherwise)."""
        chat_key = chat_id if chat_id is not None else user_id
        chat: dict[str, Any] = {"id": chat_key, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"User{user_id}"
        else:
            chat["title"] = "Some group"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(self.clock()),
            "chat": chat,
            "from": self.user(user_id, language),
        }
        self.messages[(chat_key, message["message_id"])] = Posted(self.clock(), text or "")
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message.update(extra)
        return {"update_id": next(self._update_ids), "message": message}

    def callback(
        self, user_id: int, data: str, message_id: int = 1, language: str = "en"
    ) -> dict[str, Any]:
        """A button press (callback query) in the private chat with ``user_id``."""
        query_id = str(next(self._message_ids) + 500000)
        self.queries[query_id] = self.clock()
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": query_id,
                "from": self.user(user_id, language),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(self.clock()),
                    "chat": {"id": user_id, "type": "private", "first_name": f"User{user_id}"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
                    "text": "…",
                },
            },
        }

    def my_chat_member(
        self, user_id: int, chat_id: int, status: str = "member", chat_type: str = "supergroup"
    ) -> dict[str, Any]:
        """The bot's membership of a group changed (``user_id`` added it, by default)."""
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Concern", "username": BOT_USERNAME}
        return {
            "update_id": next(self._update_ids),
            "my_chat_member": {
                "chat": {"id": chat_id, "title": "Some group", "type": chat_type},
                "from": self.user(user_id),
                "date": int(self.clock()),
                "old_chat_member": {"user": bot, "status": "left"},
                "new_chat_member": {"user": bot, "status": status},
            },
        }
