"""The App Home view within Slack's limits, as the strict fake judges it, and the fake's rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.slack.app_home_blocks import about_view, home_view
from adapters.slack.translate import action_to_event
from bot.channels.events import Address
from bot.channels.home import HomeCard, HomeSection, HomeView
from bot.channels.replies import Choice, outgoing_from_payload
from tests.fakes.slack_home import home_problem

TO = Address("slack", "T0TEST:U0CARLA")
ACTIONS = ("ack", "assign", "details", "ask", "status")


def card(n: int, text: str = "") -> HomeCard:
    """Concern number ``n`` with the alert's five buttons."""
    reference = f"R{n:02d}-XYZ"
    choices = tuple(Choice(f"act:{verb}:{reference}", verb.title()) for verb in ACTIONS)
    return HomeCard(reference, text or f"{reference} · Received\nshared 1 day ago", choices)


def view(mine: int, others: int, text: str = "", hidden: int = 0) -> HomeView:
    """A home view with ``mine`` cards in the queue and ``others`` after."""
    return HomeView(
        TO,
        "en",
        "Open concerns of Demo",
        "intro",
        (
            HomeSection("Your queue", tuple(card(n, text) for n in range(mine)), "none"),
            HomeSection("Others", tuple(card(100 + n, text) for n in range(others)), "none"),
        ),
        hidden=hidden,
    )


def cards_of(built: dict[str, Any]) -> list[str]:
    """The references of the cards shown, in order."""
    return [b["block_id"][5:] for b in built["blocks"] if b["block_id"].startswith("card:")]


def test_a_small_view_is_shown_whole_and_the_fake_takes_it() -> None:
    built = home_view(view(1, 2))

    assert home_problem(built) is None
    assert cards_of(built) == ["R00-XYZ", "R100-XYZ", "R101-XYZ"]
    assert not any(b["block_id"] == "more" for b in built["blocks"])


def test_too_many_cards_leave_off_the_last_and_count_them() -> None:
    built = home_view(view(3, 60, hidden=5))

    assert home_problem(built) is None
    assert len(built["blocks"]) <= 100
    shown = cards_of(built)
    assert shown[:3] == ["R00-XYZ", "R01-XYZ", "R02-XYZ"]  # the own queue stays first
    left_off = 63 - len(shown) + 5
    assert built["blocks"][-1]["text"]["text"] == (
        f"… and {left_off} more; /concern list shows them all."
    )


def test_long_cards_are_left_off_before_the_view_outgrows_250_kb() -> None:
    built = home_view(view(0, 60, text="é" * 2999))

    assert home_problem(built) is None
    assert len(json.dumps(built, ensure_ascii=False).encode()) <= 250_000
    assert len(cards_of(built)) < 60


def test_action_ids_are_unique_in_the_view_and_come_back_as_the_alerts_choices() -> None:
    built = home_view(view(2, 2))
    ids = [e["action_id"] for b in built["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(set(ids)) == 20

    button = next(b for b in built["blocks"] if b["type"] == "actions")["elements"][2]
    body = {
        "type": "block_actions",
        "user": {"id": "U0CARLA", "team_id": "T0TEST"},
        "team": {"id": "T0TEST"},
        "actions": [{**button, "action_ts": "1.2"}],
    }
    event = action_to_event(body)
    assert event is not None
    assert event.choice_id == "act:details:R00-XYZ"


def test_a_home_view_survives_the_outbox_payload() -> None:
    original = view(1, 1, hidden=3)

    assert outgoing_from_payload(TO, original.to_payload()) == original


def test_the_view_for_someone_without_a_role_holds_only_the_text() -> None:
    built = about_view("What this bot is.")

    assert home_problem(built) is None
    assert built["blocks"] == [
        {
            "type": "section",
            "block_id": "about",
            "text": {"type": "plain_text", "text": "What this bot is.", "emoji": False},
        }
    ]


def _section(text: str, block_id: str = "s") -> dict[str, Any]:
    return {"type": "section", "block_id": block_id, "text": {"type": "plain_text", "text": text}}


def _buttons(block_id: str, *elements: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": block_id,
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": t},
                "action_id": a,
                "value": v,
            }
            for t, a, v in elements
        ],
    }


@pytest.mark.parametrize(
    ("view_object", "error"),
    [
        ({"type": "modal", "blocks": [_section("x")]}, "invalid_arguments"),
        (
            {"type": "home", "blocks": [_section("x", f"b{n}") for n in range(101)]},
            "invalid_arguments",
        ),
        ({"type": "home", "blocks": [_section("x"), _section("y")]}, "invalid_arguments"),
        ({"type": "home", "blocks": [_section("x" * 3001)]}, "invalid_arguments"),
        ({"type": "home", "blocks": [_buttons("a", ("x" * 76, "act", "v"))]}, "invalid_arguments"),
        (
            {"type": "home", "blocks": [_buttons("a", ("x", "act", "v" * 2001))]},
            "invalid_arguments",
        ),
        (
            {
                "type": "home",
                "blocks": [_buttons("a", ("x", "act", "v")), _buttons("b", ("y", "act", "w"))],
            },
            "invalid_arguments",
        ),
        ({"type": "home", "blocks": [], "private_metadata": "m" * 3001}, "invalid_arguments"),
        (
            {"type": "home", "blocks": [], "title": {"type": "plain_text", "text": "t"}},
            "invalid_arguments",
        ),
        (
            {
                "type": "home",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            },
            "invalid_arguments",
        ),
        (
            {"type": "home", "blocks": [_section("x" * 2500, f"b{n}") for n in range(100)]},
            "view_too_large",
        ),
    ],
)
def test_the_fake_refuses_what_slack_refuses(view_object: dict[str, Any], error: str) -> None:
    problem = home_problem(view_object)

    assert problem is not None
    assert problem["error"] == error
