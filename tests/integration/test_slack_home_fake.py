"""The fake's ``views.publish`` refuses what the real one refuses (with the real slack_sdk)."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlack
from tests.integration.test_slack_fake import ALICE, BOB, SECTION, client_of, clock, error_of, slack

FIXTURES = (clock, slack)  # used here by name, as pytest passes them
HOME: dict[str, Any] = {"type": "home", "blocks": [SECTION]}


async def test_a_home_view_is_published_for_a_user_of_the_workspace(slack: FakeSlack) -> None:
    slack.users.add(ALICE)
    client = await client_of(slack)

    answer = await client.views_publish(user_id=ALICE, view=HOME)

    assert answer["ok"]
    assert slack.homes[ALICE] == HOME


async def test_an_unknown_user_a_disabled_home_tab_and_a_bad_token_are_refused(
    slack: FakeSlack,
) -> None:
    slack.users.add(ALICE)
    client = await client_of(slack)

    assert await error_of(client.views_publish(user_id=BOB, view=HOME)) == "user_not_found"
    modal = {**HOME, "type": "modal"}
    assert await error_of(client.views_publish(user_id=ALICE, view=modal)) == "invalid_arguments"
    impostor = AsyncWebClient(token="xoxb-wrong", base_url=slack.base_url)
    assert await error_of(impostor.views_publish(user_id=ALICE, view=HOME)) == "invalid_auth"
    slack.home_tab = False
    assert await error_of(client.views_publish(user_id=ALICE, view=HOME)) == "not_enabled"
    assert slack.homes == {}
