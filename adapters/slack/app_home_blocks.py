"""The App Home tab in Block Kit: a home view within Slack's limits, most urgent first.

Every text is ``plain_text`` (never parsed for mentions or links). A card is a section and the
alert's buttons; their action ids carry the reference after ``#`` (unique in the whole view,
the stricter reading of Slack's rule), which ``translate.action_to_event`` drops again."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.translate import BUTTON_LIMIT, SECTION_LIMIT
from bot.channels.home import HomeCard, HomeView
from bot.conversation.text_units import utf16_cut
from bot.i18n import N_, translator

HOME_BLOCKS = 100
HEADER_LIMIT = 150
VIEW_BYTES = 250_000
VALUE_LIMIT = 2000
MORE = N_("… and {count} more; /concern list shows them all.")


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": utf16_cut(text, limit) or "…", "emoji": False}


def _section(block_id: str, text: str) -> dict[str, Any]:
    return {"type": "section", "block_id": block_id, "text": _plain(text, SECTION_LIMIT)}


def _header(block_id: str, text: str) -> dict[str, Any]:
    return {"type": "header", "block_id": block_id, "text": _plain(text, HEADER_LIMIT)}


def card_blocks(card: HomeCard) -> list[dict[str, Any]]:
    """A concern's section and, when it has actions, its buttons."""
    blocks = [_section(f"card:{card.reference}", card.text)]
    elements = []
    for choice in card.choices[:25]:
        verb_id, _, argument = choice.id.rpartition(":")
        if verb_id.startswith("act:"):
            elements.append(
                {
                    "type": "button",
                    "text": _plain(choice.label, BUTTON_LIMIT),
                    "action_id": f"{verb_id}#{card.reference}",
                    "value": argument[:VALUE_LIMIT],
                }
            )
    if elements:
        blocks.append({"type": "actions", "block_id": f"do:{card.reference}", "elements": elements})
    return blocks


def home_view(view: HomeView) -> dict[str, Any]:
    """The ``home`` view object for ``views.publish``: cards left off at the end (the least
    urgent) while the blocks or the bytes would exceed Slack's limits, and a line that counts
    them."""
    kept = [[*section.cards] for section in view.sections]
    hidden = view.hidden
    while True:
        built = _view(view, kept, hidden)
        size = len(json.dumps(built, ensure_ascii=False).encode())
        if len(built["blocks"]) <= HOME_BLOCKS and size <= VIEW_BYTES:
            return built
        last = max((n for n, cards in enumerate(kept) if cards), default=None)
        if last is None:
            return built  # only headings left: within the limits, as no view text is long
        kept[last].pop()
        hidden += 1


def _view(view: HomeView, kept: list[list[HomeCard]], hidden: int) -> dict[str, Any]:
    blocks = [_header("title", view.title), _section("intro", view.intro)]
    for number, (section, cards) in enumerate(zip(view.sections, kept, strict=True)):
        blocks += [{"type": "divider", "block_id": f"rule:{number}"}]
        blocks += [_header(f"heading:{number}", section.heading)]
        if not section.cards:
            blocks.append(_section(f"empty:{number}", section.empty or "—"))
        for card in cards:
            blocks += card_blocks(card)
    if hidden:
        t = translator(view.language)
        blocks.append(_section("more", t(MORE).format(count=hidden)))
    return {"type": "home", "blocks": blocks}


def about_view(text: str) -> dict[str, Any]:
    """The home view of someone who coordinates nothing here: what the bot is, and no data."""
    return {"type": "home", "blocks": [_section("about", text)]}
