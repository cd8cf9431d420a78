"""The fake Slack workspace's conversations: who is in which, and who may post where.

Rules, from the method docs (chat.postMessage, chat.update, chat.postEphemeral,
conversations.join): a bot posts only where it is a member, except with ``chat:write.public``
in a public channel; a private channel or a direct message the bot is not in is invisible to it
(``channel_not_found``); ``conversations.join`` needs ``channels:join`` and joins public
channels only (``method_not_supported_for_channel_type``). Not documented, so the stricter
reading: ``chat.update`` needs membership as a post does, and ``chat:write.public`` does not
let a bot post an ephemeral message into a channel it is not in.

A conversation id a test did not declare is, by default, a public channel that every user is
in and the bot is not ("C…"), or the bot's direct-message channel with whoever acts there
("D…"); declare private channels and direct messages between people with ``add``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BOT_USER_ID = "U0BOT"
PUBLIC, PRIVATE, IM = "public", "private", "im"


@dataclass
class Conversation:
    """A channel or a direct message, with its members (``everyone``: every user is in it)."""

    id: str
    kind: str = PUBLIC
    members: set[str] = field(default_factory=set)
    everyone: bool = False
    archived: bool = False

    def has(self, user: str) -> bool:
        """True when ``user`` is a member."""
        return user in self.members or (self.everyone and user != BOT_USER_ID)


class Workspace:
    """Conversations and the scopes the bot token was granted."""

    def __init__(self, scopes: frozenset[str]) -> None:
        self.scopes = scopes
        self.conversations: dict[str, Conversation] = {}

    def add(
        self, channel: str, kind: str = PUBLIC, members: tuple[str, ...] = (), bot: bool = False
    ) -> Conversation:
        """Declare a conversation with these members (and the bot, when ``bot``)."""
        found = Conversation(channel, kind, set(members) | ({BOT_USER_ID} if bot else set()))
        self.conversations[channel] = found
        return found

    def get(self, channel: str) -> Conversation | None:
        """The conversation ``channel``, declared or by default (see the module docstring)."""
        if channel in self.conversations:
            return self.conversations[channel]
        if not channel.startswith(("C", "D")):
            return None
        public = channel.startswith("C")
        found = self.add(channel, PUBLIC if public else IM, (), bot=not public)
        found.everyone = True
        return found

    def invite(self, channel: str, user: str = BOT_USER_ID) -> None:
        """A member types ``/invite @user`` in ``channel``."""
        found = self.get(channel)
        assert found is not None, channel
        found.members.add(user)

    def missing(self, scope: str) -> dict[str, Any] | None:
        """The ``missing_scope`` error when the token lacks ``scope``."""
        if scope in self.scopes:
            return None
        provided = ",".join(sorted(self.scopes))
        return {"ok": False, "error": "missing_scope", "needed": scope, "provided": provided}

    def may_post(self, channel: str, ephemeral_to: str | None = None) -> dict[str, Any] | None:
        """The error a post into ``channel`` gets (an ephemeral one: to that user), if any."""
        found = self.get(channel)
        if found is None or (found.kind != PUBLIC and not found.has(BOT_USER_ID)):
            return {"ok": False, "error": "channel_not_found"}
        if found.archived:
            return {"ok": False, "error": "is_archived"}
        public_write = ephemeral_to is None and "chat:write.public" in self.scopes
        if not found.has(BOT_USER_ID) and not public_write:
            return {"ok": False, "error": "not_in_channel"}
        if ephemeral_to is not None and not found.has(ephemeral_to):
            return {"ok": False, "error": "user_not_in_channel"}
        return None

    def join(self, channel: str) -> dict[str, Any]:
        """What ``conversations.join`` answers."""
        found = self.get(channel)
        if found is None:
            return {"ok": False, "error": "channel_not_found"}
        if found.kind != PUBLIC:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        if found.archived:
            return {"ok": False, "error": "is_archived"}
        answer: dict[str, Any] = {"ok": True, "channel": {"id": channel, "is_member": True}}
        if found.has(BOT_USER_ID):
            answer["warning"] = "already_in_channel"
        found.members.add(BOT_USER_ID)
        return answer

    def open_im(self, user: str) -> str:
        """The bot's direct-message channel with ``user`` (made on first use)."""
        channel = "D" + user
        if channel not in self.conversations:
            self.add(channel, IM, (user,), bot=True)
        return channel
