"""``views.publish`` as Slack validates a Home tab view, for the fake Web API.

From the method and view references (docs.slack.dev/reference/methods/views.publish,
/reference/views/home-tab-views): no scope is needed, but the app's Home tab must be enabled
(``not_enabled``); the view's ``type`` is ``home``; at most 100 blocks; ``private_metadata`` at
most 3000 characters, ``callback_id`` and ``external_id`` at most 255; the whole view at most
250 kB (``view_too_large``, taken as 250 000 bytes of its JSON, the stricter of kB and KiB).
Blocks as in ``slack_blocks``. Not documented, so the stricter reading: an unknown user id is
``user_not_found``; a home view has no ``title``, ``submit`` or ``close`` (modal fields); and
every ``action_id`` is unique in the whole view, not only in its block. Events reach the app
as Slack sends them (``app_home_opened``, ``send_event``): signed JSON over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import aiohttp

from tests.fakes.slack_blocks import ID_LENGTH, PRIVATE_METADATA, VIEW_BYTES, block_problems

HOME_BLOCKS = 100
MODAL_ONLY = ("title", "submit", "close")


def home_problem(view: dict[str, Any]) -> dict[str, Any] | None:
    """The error views.publish answers about a Home tab view, if any."""
    if len(json.dumps(view, ensure_ascii=False).encode()) > VIEW_BYTES:
        return {"ok": False, "error": "view_too_large"}
    problems = [] if view.get("type") == "home" else ["[ERROR] /view/type: must be home"]
    problems += [
        f"[ERROR] /view/{key}: not allowed in a home view" for key in MODAL_ONLY if key in view
    ]
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA:
        problems.append(f"[ERROR] /view/private_metadata: at most {PRIVATE_METADATA} characters")
    for key in ("callback_id", "external_id"):
        if len(str(view.get(key, ""))) > ID_LENGTH:
            problems.append(f"[ERROR] /view/{key}: at most {ID_LENGTH} characters")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.append("[ERROR] /view/blocks: required")
        blocks = []
    problems += block_problems(blocks, HOME_BLOCKS, inputs=True)
    action_ids = [
        element.get("action_id")
        for block in blocks
        if isinstance(block, dict) and block.get("type") == "actions"
        for element in block.get("elements") or []
    ]
    if len(action_ids) != len(set(action_ids)):
        problems.append("[ERROR] /view/blocks: action_id must be unique in the view")
    if not problems:
        return None
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}


def app_home_opened(
    team: str, user: str, event_id: str, tab: str = "home", view: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The Events API body Slack sends when ``user`` opens the app's Home (or Messages) tab;
    ``view``: the Home tab as last published, which Slack includes once there is one."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user,
        "tab": tab,
        "event_ts": "1764330000.000100",
    }
    if view is not None:
        event["view"] = {"id": "VHOME" + user, "team_id": team, **view}
    return {
        "token": "unused-verification-token",
        "team_id": team,
        "api_app_id": "A0APP",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1764330000,
        "authorizations": [{"team_id": team, "user_id": "U0BOT", "is_bot": True}],
    }


async def send_event(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any], secret: str | None
) -> int:
    """POST an Events API body to the app as Slack does: JSON, with the v0 signature of
    ``secret`` over the timestamp and the raw body (None: unsigned); the HTTP status."""
    raw = json.dumps(body)
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        stamp = str(int(time.time()))
        base = f"v0:{stamp}:{raw}".encode()
        digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        headers |= {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest}
    async with http.post(url, data=raw.encode(), headers=headers) as response:
        return response.status
