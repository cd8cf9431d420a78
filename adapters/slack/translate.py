"""Slack, translated: pure functions from request bodies to core events and replies to Block Kit."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.channels.events import (
    Address,
    ChoiceMade,
    CommandReceived,
    FormSubmitted,
    InboundEvent,
    Sender,
)
from bot.channels.replies import Reply
from bot.conversation.text_units import utf16_cut, utf16_len

CHANNEL = "slack"
SECTION_LIMIT = 3000
BUTTON_LIMIT = 75
MODAL_BLOCKS = 100
MESSAGE_BLOCKS = 50
SLASH_VERBS: tuple[str, ...] = ("list", "invite", "note", "stats", "help", "join")
SLASH_VERBS += ("casenote", "link", "unlink", "reopen")  # the case file, its text given inline


def escape(text: str) -> str:
    """Escape Slack's control characters so user text can neither ping nor link nor format."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_address(team_id: str, user_id: str) -> Address:
    """The core address of a Slack user in a workspace."""
    return Address(CHANNEL, f"{team_id}:{user_id}")


def _sender(body: dict[str, Any]) -> Sender | None:
    user = body.get("user") or {}
    team = body.get("team") or {}
    user_id = user.get("id") or body.get("user_id")
    team_id = team.get("id") or body.get("team_id") or user.get("team_id")
    if not user_id or not team_id:
        return None
    return Sender(
        user_address(str(team_id), str(user_id)), user.get("name") or body.get("user_name"), None
    )


def action_to_event(body: dict[str, Any]) -> ChoiceMade | None:
    """A button press (block_actions) as a core choice ``act:<verb>:<argument>``."""
    sender = _sender(body)
    actions = body.get("actions") or []
    if sender is None or not actions:
        return None
    action = actions[0]
    # A repeated verb in one block carries a "#n" suffix (see ``buttons``); the verb is before it.
    action_id = str(action.get("action_id", "")).partition("#")[0]
    if not action_id.startswith("act:"):
        return None
    event_id = f"action:{action.get('action_ts', '')}:{sender.address.user_id}"
    return ChoiceMade(sender, f"{action_id}:{action.get('value', '')}", event_id=event_id)


def command_to_event(body: dict[str, Any]) -> CommandReceived | None:
    """``/concern <verb> <args>`` as a core command (``join CODE`` redeems an invite)."""
    sender = _sender(body)
    if sender is None:
        return None
    verb, _, args = str(body.get("text", "")).strip().partition(" ")
    verb = verb.lower() or "help"
    if verb not in SLASH_VERBS:
        verb = "help"
    name = "start" if verb == "join" else verb
    # A command carries no event id; its trigger id is minted per invocation, and a replay or a
    # retry repeats it. Hashed: Slack's trigger ids may outgrow the 64 characters kept.
    invocation = str(body.get("trigger_id") or json.dumps(body, sort_keys=True))
    event_id = f"command:{hashlib.sha256(invocation.encode()).hexdigest()[:40]}"
    return CommandReceived(sender, name, args.strip(), event_id=event_id)


def submission_to_event(body: dict[str, Any]) -> FormSubmitted | None:
    """A modal submission as a core form, with the reference from its private metadata."""
    sender = _sender(body)
    view = body.get("view") or {}
    if sender is None or not view.get("callback_id"):
        return None
    # ``reference|channel|response URL`` (see ``SlackAdapter._form``).
    reference, channel, *_ = [*str(view.get("private_metadata", "")).split("|", 2), ""]
    values: dict[str, str] = {"reference": reference, "channel": channel}
    for block_id, block in (view.get("state") or {}).get("values", {}).items():
        for element in block.values():
            if element.get("type") == "static_select":
                selected = element.get("selected_option") or {}
                values[block_id] = str(selected.get("value", ""))
            elif element.get("type") == "checkboxes":  # the values picked, comma-separated
                picked = element.get("selected_options") or []
                values[block_id] = ",".join(str(o.get("value", "")) for o in picked)
            else:
                values[block_id] = str(element.get("value") or "")
    # A corrected resubmission of the same modal must count as new; an identical one must not.
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]
    event_id = f"view:{view.get('id', '')}:{digest}"
    return FormSubmitted(sender, str(view["callback_id"]), values, event_id=event_id)


def event_of(body: dict[str, Any]) -> InboundEvent | None:
    """Dispatch on the body's shape: block_actions, slash command or view_submission."""
    kind = body.get("type")
    if kind == "block_actions":
        return action_to_event(body)
    if kind == "view_submission":
        return submission_to_event(body)
    if "command" in body:
        return command_to_event(body)
    return None


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split text into pieces of at most ``limit`` UTF-16 code units (as Slack counts, the
    stricter way), at line ends where possible, never inside a character."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        head = utf16_cut(rest, limit) or rest[:1]
        cut = head.rfind("\n")
        if cut < len(head) // 2:
            cut = len(head)
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    pieces.append(rest)
    return [p for p in pieces if p] or ["…"]


def text_blocks(text: str, max_blocks: int) -> list[dict[str, Any]]:
    """Sections of plain text (never parsed for mentions), within Slack's limits."""
    sections = [
        {"type": "section", "text": {"type": "plain_text", "text": piece, "emoji": False}}
        for piece in chunks(text)
    ]
    return sections[:max_blocks]


def buttons(reply: Reply) -> list[dict[str, Any]]:
    """An actions block for the reply's choices (``act:<verb>:<arg>`` → action_id, value)."""
    elements: list[dict[str, Any]] = []
    used: set[str] = set()
    for choice in reply.choices[:25]:
        verb_id, _, argument = choice.id.rpartition(":")
        if not verb_id.startswith("act:"):
            continue
        # Slack refuses a block whose action ids repeat (invalid_blocks), as in a list of cards.
        action_id = verb_id if verb_id not in used else f"{verb_id}#{len(elements)}"
        used.add(action_id)
        elements.append(
            {
                "type": "button",
                "text": _plain(choice.label, BUTTON_LIMIT),
                "action_id": action_id,
                "value": argument[:2000],
            }
        )
    return [{"type": "actions", "elements": elements}] if elements else []


def render(reply: Reply) -> tuple[str, list[dict[str, Any]]]:
    """The escaped fallback text and the blocks for a channel message."""
    extra = buttons(reply)
    blocks = text_blocks(reply.text, MESSAGE_BLOCKS - len(extra)) + extra
    return escape(utf16_cut(reply.text, SECTION_LIMIT)), blocks


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": utf16_cut(text, limit) or "…", "emoji": False}


def text_modal(title: str, text: str, close: str) -> dict[str, Any]:
    """A read-only modal showing ``text`` (the account, a reply) in plain-text sections."""
    return {
        "type": "modal",
        "title": _plain(title, 24),
        "close": _plain(close, 24),
        "blocks": text_blocks(text, MODAL_BLOCKS),
    }


def input_modal(
    callback_id: str,
    reference: str,
    title: str,
    submit: str,
    close: str,
    fields: list[dict[str, Any]],
) -> dict[str, Any]:
    """A form modal; the concern reference travels in ``private_metadata``."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": reference,
        "title": _plain(title, 24),
        "submit": _plain(submit, 24),
        "close": _plain(close, 24),
        "blocks": fields,
    }


def text_input(block_id: str, label: str, optional: bool, max_length: int = 3000) -> dict[str, Any]:
    """A multi-line text field."""
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _plain(label, 2000),
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "max_length": max_length,
        },
    }


def select_input(
    block_id: str, label: str, options: list[tuple[str, str]], optional: bool
) -> dict[str, Any]:
    """A single-choice field."""
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _plain(label, 2000),
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": [{"text": _plain(text, 75), "value": value} for value, text in options],
        },
    }
