"""The fake Slack Web API refuses what the real one refuses (tested with the real slack_sdk)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_blocks import VIEW_BYTES
from tests.fakes.slack_conversations import IM, PRIVATE
from tests.fakes.slack_interactions import HOOK_SECONDS, TRIGGER_SECONDS

ALICE, BOB = "U0ALICE", "U0BOB"
SECTION = {"type": "section", "text": {"type": "plain_text", "text": "Hello"}}


class Clock:
    """The fake's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_764_320_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A clock at a fixed moment."""
    return Clock()


@pytest.fixture
async def slack(clock: Clock) -> AsyncIterator[FakeSlack]:
    """A running fake with the default scopes."""
    fake = FakeSlack(now=clock)
    await fake.start()
    yield fake
    await fake.stop()


async def client_of(fake: FakeSlack) -> AsyncWebClient:
    """A real Web API client for the fake."""
    return AsyncWebClient(token=fake.token, base_url=fake.base_url)


async def error_of(call: Awaitable[Any]) -> str:
    """The error code Slack answered ``call`` with."""
    with pytest.raises(SlackApiError) as refused:
        await call
    return str(refused.value.response["error"])


def modal(*blocks: dict[str, Any]) -> dict[str, Any]:
    """A modal with a submit button and these blocks."""
    title = {"type": "plain_text", "text": "Form"}
    return {"type": "modal", "title": title, "submit": title, "blocks": list(blocks)}


def field(**element: Any) -> dict[str, Any]:
    """An input block with a text field (its element overridden by ``element``)."""
    return {
        "type": "input",
        "block_id": "q",
        "label": {"type": "plain_text", "text": "Question"},
        "element": {"type": "plain_text_input", "action_id": "value", **element},
    }


async def test_the_fake_refuses_posts_into_channels_the_bot_is_not_in(slack: FakeSlack) -> None:
    client = await client_of(slack)
    slack.workspace.add("C0PRIV", PRIVATE, (ALICE,))
    slack.workspace.add("D0PEOPLE", IM, (ALICE, BOB))

    assert await error_of(client.chat_postMessage(channel="C0PUBLIC", text="x")) == (
        "not_in_channel"
    )
    for hidden in ("C0PRIV", "D0PEOPLE", "X0NOWHERE"):
        assert await error_of(client.chat_postMessage(channel=hidden, text="x")) == (
            "channel_not_found"
        )
        assert await error_of(client.chat_postEphemeral(channel=hidden, user=ALICE, text="x")) == (
            "channel_not_found"
        )
    assert await error_of(client.chat_update(channel="C0PUBLIC", ts="1.1", text="x")) == (
        "not_in_channel"
    )
    slack.workspace.invite("C0PRIV")
    posted = await client.chat_postMessage(channel="C0PRIV", text="x")
    assert posted["ok"]
    assert await error_of(client.chat_postEphemeral(channel="C0PRIV", user=BOB, text="x")) == (
        "user_not_in_channel"
    )
    assert (await client.chat_postEphemeral(channel="C0PRIV", user=ALICE, text="x"))["ok"]


async def test_with_chat_write_public_the_bot_posts_but_shows_no_ephemerals_in_public_channels(
    clock: Clock,
) -> None:
    fake = FakeSlack(scopes=frozenset({"chat:write", "chat:write.public"}), now=clock)
    await fake.start()
    try:
        client = await client_of(fake)
        assert (await client.chat_postMessage(channel="C0PUBLIC", text="x"))["ok"]
        assert await error_of(
            client.chat_postEphemeral(channel="C0PUBLIC", user=ALICE, text="x")
        ) == ("not_in_channel")
        assert await error_of(client.conversations_join(channel="C0PUBLIC")) == "missing_scope"
    finally:
        await fake.stop()


async def test_the_fake_lets_the_bot_join_public_channels_only(slack: FakeSlack) -> None:
    client = await client_of(slack)
    slack.workspace.add("C0PRIV", PRIVATE, (ALICE,))

    joined = await client.conversations_join(channel="C0PUBLIC")
    again = await client.conversations_join(channel="C0PUBLIC")

    assert joined["channel"]["is_member"]
    assert again["warning"] == "already_in_channel"
    assert (await client.chat_postMessage(channel="C0PUBLIC", text="x"))["ok"]
    assert await error_of(client.conversations_join(channel="C0PRIV")) == (
        "method_not_supported_for_channel_type"
    )
    assert await error_of(client.conversations_join(channel="X0NOWHERE")) == "channel_not_found"


async def test_a_trigger_id_opens_one_view_within_three_seconds(
    slack: FakeSlack, clock: Clock
) -> None:
    client = await client_of(slack)
    view = modal(SECTION)
    fresh, late = slack.trigger_id(), slack.trigger_id()

    assert (await client.views_open(trigger_id=fresh, view=view))["ok"]
    assert await error_of(client.views_open(trigger_id=fresh, view=view)) == (
        "exchanged_trigger_id"
    )
    assert await error_of(client.views_open(trigger_id="1.2.made-up", view=view)) == (
        "invalid_trigger_id"
    )
    clock.now += TRIGGER_SECONDS + 0.01
    assert await error_of(client.views_open(trigger_id=late, view=view)) == ("expired_trigger_id")


async def test_a_modal_its_user_closed_or_never_opened_cannot_be_updated(
    slack: FakeSlack,
) -> None:
    client = await client_of(slack)
    opened = await client.views_open(trigger_id=slack.trigger_id(), view=modal(SECTION))
    view_id = str(opened["view"]["id"])

    assert (await client.views_update(view_id=view_id, view=modal(SECTION)))["ok"]
    slack.close_view(view_id)
    assert await error_of(client.views_update(view_id=view_id, view=modal(SECTION))) == (
        "not_found"
    )
    assert await error_of(client.views_update(view_id="V999", view=modal(SECTION))) == ("not_found")


async def test_a_view_over_250_kb_is_too_large(slack: FakeSlack) -> None:
    client = await client_of(slack)
    section = {"type": "section", "text": {"type": "plain_text", "text": "w" * 2600}}
    # 100 sections of 2600 characters: within every block limit, over 250 kB.
    view = modal(*[{**section, "block_id": f"b{n}"} for n in range(100)])
    assert len(json.dumps(view, ensure_ascii=False).encode()) > VIEW_BYTES

    assert await error_of(client.views_open(trigger_id=slack.trigger_id(), view=view)) == (
        "view_too_large"
    )


@pytest.mark.parametrize(
    "block",
    [
        {**field(), "label": None},
        {**field(), "label": {"type": "plain_text", "text": "L" * 2001}},
        {**field(), "label": {"type": "mrkdwn", "text": "Question"}},
        field(max_length=3001),
        field(action_id="a" * 256),
        field(type="datepicker_of_our_own"),
        {**field(), "block_id": "b" * 256},
        {
            **field(),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [{"text": {"type": "plain_text", "text": "o" * 76}, "value": "v"}],
            },
        },
        {
            **field(),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [{"text": {"type": "plain_text", "text": "o"}, "value": "v" * 151}],
            },
        },
        {**field(), "element": {"type": "static_select", "action_id": "value", "options": []}},
        {
            **field(),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": "o"}, "value": str(n)}
                    for n in range(101)
                ],
            },
        },
    ],
)
async def test_the_fake_refuses_input_blocks_slack_refuses(
    slack: FakeSlack, block: dict[str, Any]
) -> None:
    client = await client_of(slack)
    good = await client.views_open(trigger_id=slack.trigger_id(), view=modal(field()))
    assert good["ok"]

    assert await error_of(client.views_open(trigger_id=slack.trigger_id(), view=modal(block))) == (
        "invalid_arguments"
    )


async def test_a_form_needs_unique_block_ids_and_a_submit_button(slack: FakeSlack) -> None:
    client = await client_of(slack)
    without_submit = {k: v for k, v in modal(field()).items() if k != "submit"}
    for view in (modal(field(), field()), without_submit):
        assert await error_of(client.views_open(trigger_id=slack.trigger_id(), view=view)) == (
            "invalid_arguments"
        )


async def test_lengths_are_counted_in_utf16_units(slack: FakeSlack) -> None:
    client = await client_of(slack)
    await client.conversations_join(channel="C0PUBLIC")
    fits, over = "😀" * 1500, "😀" * 1501  # 3000 and 3002 units; both under 3000 code points
    section: dict[str, Any] = {"type": "section", "text": {"type": "plain_text", "text": fits}}
    assert (await client.chat_postMessage(channel="C0PUBLIC", text="x", blocks=[section]))["ok"]

    section["text"]["text"] = over
    assert await error_of(
        client.chat_postMessage(channel="C0PUBLIC", text="x", blocks=[section])
    ) == ("invalid_blocks")
    label = {"type": "plain_text", "text": "👍" * 38}  # 76 units
    button = {"type": "button", "action_id": "a", "value": "v", "text": label}
    actions = {"type": "actions", "elements": [button]}
    assert await error_of(
        client.chat_postMessage(channel="C0PUBLIC", text="x", blocks=[actions])
    ) == ("invalid_blocks")


async def test_a_text_that_looks_like_json_stays_a_text(slack: FakeSlack) -> None:
    client = await client_of(slack)
    await client.conversations_join(channel="C0PUBLIC")
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            slack.base_url + "chat.postMessage",
            data={"channel": "C0PUBLIC", "text": '{"not": "json to us"}'},
            headers={"Authorization": f"Bearer {slack.token}"},
        ) as response,
    ):
        answer = await response.json()
    assert answer["ok"]
    assert answer["message"]["text"] == '{"not": "json to us"}'
    del client


async def test_any_method_answers_429_with_retry_after_when_scripted(slack: FakeSlack) -> None:
    client = await client_of(slack)
    slack.rate_limit("auth.test", times=1, retry_after=7)
    slack.rate_limit("conversations.join", times=2, retry_after=3)

    with pytest.raises(SlackApiError) as limited:
        await client.auth_test()
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert (await client.auth_test())["ok"]
    for _ in range(2):
        assert await error_of(client.conversations_join(channel="C0PUBLIC")) == "ratelimited"
    assert (await client.conversations_join(channel="C0PUBLIC"))["ok"]


async def test_a_response_url_takes_five_answers_within_thirty_minutes(
    slack: FakeSlack, clock: Clock
) -> None:
    slack.workspace.add("D0PEOPLE", IM, (ALICE, BOB))
    five, late = slack.response_url("D0PEOPLE", ALICE), slack.response_url("D0PEOPLE", ALICE)
    answer = {"text": "Only for you", "response_type": "ephemeral", "replace_original": False}
    statuses: list[tuple[int, str]] = []
    async with aiohttp.ClientSession() as http:

        async def post(url: str, body: dict[str, Any]) -> None:
            async with http.post(url, json=body) as response:
                statuses.append((response.status, await response.text()))

        for _ in range(6):
            await post(five, answer)
        await post(late, answer | {"response_type": "in_channel"})
        await post(late, answer | {"replace_original": True})
        clock.now += HOOK_SECONDS + 1
        await post(late, answer)
        await post(five.replace("hook-", "hook-9"), answer)

    assert statuses == [(200, "ok")] * 5 + [
        (404, "used_url"),
        (400, "not_ephemeral"),
        (400, "not_ephemeral"),
        (404, "expired_url"),
        (404, "invalid_url"),
    ]
    assert [(s["channel"], s["user"], s["via"]) for s in slack.ephemerals(ALICE)] == [
        ("D0PEOPLE", ALICE, "url")
    ] * 5
