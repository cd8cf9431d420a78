"""Block Kit as the Slack Web API validates it, for the parts concernbot uses.

Lengths are counted in UTF-16 code units: Slack does not document how it counts, and a
character beyond U+FFFF (most emoji) is two units but one code point, so this is the stricter
reading. Limits: https://docs.slack.dev/reference/block-kit (section text 3000, button text 75
and value 2000, header text 150 (plain_text only), label 2000, option text 75 and value 150,
plain_text_input max_length 3000, action_id and block_id 255, 1 to 100 options, 25 elements
in an actions block), views: title, submit and close 24, private_metadata 3000, callback_id
255, 100 blocks, and ``view_too_large`` above 250 kB (taken as 250 000 bytes of the view's
JSON, the stricter of kB and KiB)."""

from __future__ import annotations

import json
from typing import Any

from bot.conversation.text_units import utf16_len

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
SECTION_TEXT = 3000
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
HEADER_TEXT = 150
MODAL_TITLE = 24
MESSAGE_TEXT = 40000
LABEL_TEXT = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100
INPUT_MAX_LENGTH = 3000
ID_LENGTH = 255
PRIVATE_METADATA = 3000
VIEW_BYTES = 250_000
INPUT_ELEMENTS = ("plain_text_input", "static_select", "checkboxes")
CHECKBOXES = 10
"""Checkboxes: "Maximum number of options is 10"."""


def text_problems(text: Any, where: str, limit: int, plain_only: bool = False) -> list[str]:
    """What Slack says about a text object that must be 1 to ``limit`` UTF-16 units long."""
    kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(text, dict) or text.get("type") not in kinds:
        return [f"[ERROR] {where}: must be a {' or '.join(kinds)} text object"]
    if not 0 < utf16_len(str(text.get("text", ""))) <= limit:
        return [f"[ERROR] {where}: must be 1 to {limit} characters"]
    return []


def _id_problems(value: Any, where: str) -> list[str]:
    if not isinstance(value, str) or not 0 < len(value) <= ID_LENGTH:
        return [f"[ERROR] {where}: must be 1 to {ID_LENGTH} characters"]
    return []


def _element_problems(element: Any, where: str) -> list[str]:
    """An input block's element: its type, action_id, and its own limits."""
    if not isinstance(element, dict) or element.get("type") not in INPUT_ELEMENTS:
        return [f"[ERROR] {where}: unsupported element type"]
    problems = _id_problems(element.get("action_id"), where + "/action_id")
    if element["type"] == "plain_text_input":
        most = element.get("max_length", INPUT_MAX_LENGTH)
        if not isinstance(most, int) or not 0 < most <= INPUT_MAX_LENGTH:
            problems.append(f"[ERROR] {where}/max_length: must be 1 to {INPUT_MAX_LENGTH}")
        return problems
    options = element.get("options")
    most = CHECKBOXES if element["type"] == "checkboxes" else OPTIONS
    if not isinstance(options, list) or not 0 < len(options) <= most:
        return [*problems, f"[ERROR] {where}/options: 1 to {most} items allowed"]
    for n, option in enumerate(options):
        at = f"{where}/options/{n}"
        problems += text_problems(
            (option or {}).get("text"), at + "/text", OPTION_TEXT, plain_only=True
        )
        value = (option or {}).get("value")
        if not isinstance(value, str) or not 0 < len(value) <= OPTION_VALUE:
            problems.append(f"[ERROR] {at}/value: must be 1 to {OPTION_VALUE} characters")
    return problems


def block_problems(blocks: list[Any], limit: int, inputs: bool) -> list[str]:
    """What Slack's Block Kit validation says about ``blocks`` (input blocks: in views only)."""
    if len(blocks) > limit:
        return [f"[ERROR] no more than {limit} items allowed [json-pointer:/blocks]"]
    problems: list[str] = []
    block_ids = [b["block_id"] for b in blocks if isinstance(b, dict) and "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        problems.append("[ERROR] block_id must be unique [json-pointer:/blocks]")
    for n, block in enumerate(blocks):
        where = f"/blocks/{n}"
        kind = block.get("type") if isinstance(block, dict) else None
        if isinstance(block, dict) and "block_id" in block:
            problems += _id_problems(block["block_id"], where + "/block_id")
        if kind == "section":
            problems += text_problems(block.get("text"), where + "/text", SECTION_TEXT)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 25:
                problems.append(f"[ERROR] {where}/elements: 1 to 25 items allowed")
            ids = [e.get("action_id") for e in elements]
            if len(ids) != len(set(ids)):
                problems.append(f"[ERROR] {where}/elements: action_id must be unique")
            for m, element in enumerate(elements):
                at = f"{where}/elements/{m}"
                problems += text_problems(element.get("text"), at + "/text", BUTTON_TEXT, True)
                problems += _id_problems(element.get("action_id"), at + "/action_id")
                if len(str(element.get("value", ""))) > BUTTON_VALUE:
                    problems.append(f"[ERROR] {at}/value: at most {BUTTON_VALUE} characters")
        elif kind == "header":
            problems += text_problems(block.get("text"), where + "/text", HEADER_TEXT, True)
        elif kind == "divider":
            pass
        elif kind == "input" and inputs:
            problems += text_problems(block.get("label"), where + "/label", LABEL_TEXT, True)
            problems += _element_problems(block.get("element"), where + "/element")
        else:
            problems.append(f"[ERROR] {where}: unsupported block type")
    return problems


def message_problem(params: dict[str, Any]) -> dict[str, Any] | None:
    """The error chat.postMessage, chat.update and chat.postEphemeral answer, if any."""
    blocks = params.get("blocks")
    if not params.get("text") and not blocks:
        return {"ok": False, "error": "no_text"}
    if utf16_len(str(params.get("text", ""))) > MESSAGE_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    problems = block_problems(blocks if isinstance(blocks, list) else [], MESSAGE_BLOCKS, False)
    if problems:
        return {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": problems}}
    return None


def view_problem(view: dict[str, Any]) -> dict[str, Any] | None:
    """The error views.open and views.update answer about a modal, if any."""
    if len(json.dumps(view, ensure_ascii=False).encode()) > VIEW_BYTES:
        return {"ok": False, "error": "view_too_large"}
    problems = [] if view.get("type") == "modal" else ["[ERROR] /view/type: must be modal"]
    problems += text_problems(view.get("title"), "/view/title", MODAL_TITLE, True)
    for key in ("submit", "close"):
        if key in view:
            problems += text_problems(view[key], f"/view/{key}", MODAL_TITLE, True)
    blocks = list(view.get("blocks") or [])
    inputs = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if inputs and "submit" not in view:
        problems.append("[ERROR] /view/submit: required when the view has input blocks")
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA:
        problems.append(f"[ERROR] /view/private_metadata: at most {PRIVATE_METADATA} characters")
    if len(str(view.get("callback_id", ""))) > ID_LENGTH:
        problems.append(f"[ERROR] /view/callback_id: at most {ID_LENGTH} characters")
    problems += block_problems(blocks, MODAL_BLOCKS, True)
    if not problems:
        return None
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
