"""Referral routes (issue 16): configured per network, offered after an advice consult or where
the concern is partly a matter of safety at home, one tap each, each tap logged without content."""

from __future__ import annotations

import pytest

from bot.channels.events import ChoiceMade, Sender
from bot.i18n import translator
from bot.share_script import advice_path, share_path
from bot.testing import Chat
from bot.usecases.referrals import OFFER
from tests.integration.conftest import access_log, share_script

ROUTES = ["act:route:extremism_line", "act:route:veilig_thuis", "act:route:police"]


async def test_an_advice_consult_ends_with_the_networks_routes_one_button_each(
    reporter: Chat,
) -> None:
    replies = await reporter.script(advice_path().lines())
    offer = replies[-1]
    assert offer.text.startswith("If this is partly something else")
    assert "Veilig Thuis" in offer.text
    assert [c.id for c in offer.choices] == ROUTES


async def test_a_share_about_home_offers_the_routes_and_an_ordinary_share_does_not(
    reporter: Chat,
) -> None:
    home = await reporter.script(share_path(setting="home").lines())
    assert [c.id for c in home[-1].choices] == ROUTES
    school = await reporter.script(share_script())
    assert not any(c.id.startswith("act:route:") for r in school for c in r.choices)


async def test_a_tapped_route_shows_how_to_reach_it_and_is_logged_without_content(
    app: object, reporter: Chat
) -> None:
    replies = await reporter.send(ChoiceMade(Sender(reporter.address), "act:route:veilig_thuis"))
    assert "Veilig Thuis" in replies[0].text
    assert "0800-2000" in replies[0].text
    entries = await access_log(app)  # type: ignore[arg-type]
    logged = [(e.action, e.outcome, e.concern_reference) for e in entries]
    assert ("referral", "veilig_thuis", None) in logged


async def test_routes_is_a_command_and_in_help(reporter: Chat) -> None:
    routes = await reporter.say("/routes")
    assert [c.id for c in routes[0].choices] == ROUTES
    assert "/routes" in (await reporter.say("/help"))[0].text


@pytest.mark.parametrize(
    ("language", "words"),
    [("nl", "landelijk advies"), ("en", "national advice")],
)
def test_the_offer_in_dutch_and_english(language: str, words: str) -> None:
    assert words in translator(language)(OFFER)
