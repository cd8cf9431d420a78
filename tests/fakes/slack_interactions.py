"""What Slack hands an app with each interaction: a trigger id for a modal, a response URL.

A trigger id opens one view, within 3 seconds (views.open: ``invalid_trigger_id``,
``exchanged_trigger_id``, ``expired_trigger_id``). A response URL takes "up to 5" posts
"within 30 minutes"; the stricter reading counts the 30 minutes from when it was issued for
all 5. What Slack answers past those limits is not documented: here HTTP 404 with
``used_url`` or ``expired_url``. concernbot only ever answers ephemerally, so the fake also
refuses an ``in_channel`` answer or one that would replace the original message."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.slack_blocks import message_problem

TRIGGER_SECONDS = 3.0
HOOK_USES = 5
HOOK_SECONDS = 30 * 60


@dataclass
class Hook:
    """A response URL: where it was minted for, when, and how often it was used."""

    channel: str
    user: str
    issued: float
    uses: int = 0


class Interactions:
    """Mints trigger ids and response URLs, and judges their use by the fake's clock."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.triggers: dict[str, float] = {}
        self.exchanged: set[str] = set()
        self.hooks: dict[str, Hook] = {}
        self._ids = itertools.count(1)

    def trigger_id(self) -> str:
        """A fresh trigger id, valid from now."""
        trigger = f"{next(self._ids)}.{int(self.now())}.a1b2c3d4"
        self.triggers[trigger] = self.now()
        return trigger

    def exchange(self, trigger: str) -> str | None:
        """Use ``trigger`` up; the error views.open answers, if any."""
        issued = self.triggers.pop(trigger, None)
        if issued is None:
            return "exchanged_trigger_id" if trigger in self.exchanged else "invalid_trigger_id"
        self.exchanged.add(trigger)
        return "expired_trigger_id" if self.now() - issued > TRIGGER_SECONDS else None

    def hook(self, channel: str, user: str) -> str:
        """A fresh response URL's key, for ``user`` in ``channel``."""
        key = f"hook-{next(self._ids)}"
        self.hooks[key] = Hook(channel, user, self.now())
        return key

    def answer(self, key: str, params: dict[str, Any]) -> tuple[int, str, Hook | None]:
        """HTTP status and body for a post to the response URL ``key`` (and its hook if shown)."""
        hook = self.hooks.get(key)
        if hook is None:
            return 404, "invalid_url", None
        if self.now() - hook.issued > HOOK_SECONDS:
            return 404, "expired_url", None
        if hook.uses >= HOOK_USES:
            return 404, "used_url", None
        hook.uses += 1
        problem = message_problem(params)
        if problem:
            return 400, str(problem["error"]), None
        if params.get("response_type") == "in_channel" or params.get("replace_original"):
            return 400, "not_ephemeral", None
        return 200, "ok", hook
