"""Files in Slack: uploaded with the current three-step flow, only into a coordinator's direct
message (never a channel), byte for byte, and deleted again on removal; the fake holds each
step to the documentation (tested with the real slack_sdk)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError

from adapters.ratelimit import SendLimiter
from adapters.slack.channel import SlackAdapter
from adapters.slack.files import NotADirectMessage, file_to_dm
from bot.channels.events import Address
from bot.channels.parts import Attachment, Copy
from bot.channels.replies import Removal, Reply
from bot.delivery.outcomes import Rejected
from bot.i18n import translator
from bot.testing import example_settings
from tests.channel_settings import slack_of
from tests.fakes.files import PDF_BYTES
from tests.fakes.sinks import FunctionSink
from tests.fakes.slack_api import SCOPES, TEAM_ID, FakeSlack
from tests.integration.test_slack_fake import client_of, error_of

ALICE = "U0ALICE"
DM = "D" + ALICE
SHEET = Attachment("casus-K7Q-M3X.pdf", PDF_BYTES, "application/pdf")
TO_ALICE = Address("slack", f"{TEAM_ID}:{ALICE}")
ALERTS = "C0ALERTS"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """A running fake with the default scopes and an alert channel with the bot in it."""
    fake = FakeSlack()
    fake.workspace.add(ALERTS, bot=True)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def adapter(slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackAdapter]:
    """A started Slack adapter talking to the fake."""
    settings = example_settings(tmp_path / "bot.db")
    started = SlackAdapter(
        dataclasses.replace(slack_of(settings), api_base_url=slack.base_url),
        slack.token,
        "signing-secret-files",
        "en",
        limiter=SendLimiter(1e6, 1e6, 1e6),
    )
    await started.start(FunctionSink())
    yield started
    await started.stop()


async def test_a_file_for_a_coordinator_goes_into_their_direct_message_byte_for_byte(
    slack: FakeSlack, adapter: SlackAdapter
) -> None:
    await adapter.send(Reply(TO_ALICE, "The case sheet for K7Q-M3X.", attachment=SHEET))

    (text,) = slack.posted(DM)
    assert text["text"] == "The case sheet for K7Q-M3X."
    (shared,) = slack.files.in_channel(DM)
    assert shared.content == PDF_BYTES
    assert shared.filename == "casus-K7Q-M3X.pdf"
    methods = [c.method for c in slack.requests]
    assert methods.index("files.getUploadURLExternal") < methods.index(
        "files.completeUploadExternal"
    )


async def test_a_file_for_a_channel_is_refused_and_nothing_is_uploaded(
    slack: FakeSlack, adapter: SlackAdapter
) -> None:
    with pytest.raises(Rejected) as refused:
        await adapter.send(Reply(Address("slack", ALERTS), "Sheet", attachment=SHEET))

    assert isinstance(refused.value, NotADirectMessage)
    assert slack.posted(ALERTS) == []
    assert slack.files.shared == []
    assert not [c for c in slack.requests if c.method.startswith("files.")]


async def test_an_answer_in_place_with_a_file_goes_to_the_dm_and_is_recorded_for_removal(
    slack: FakeSlack, adapter: SlackAdapter
) -> None:
    sink = FunctionSink()
    reply = Reply(TO_ALICE, "Sheet of K7Q-M3X", attachment=SHEET, copy=Copy("casesheet:K7Q:ab"))

    shown = await file_to_dm(
        adapter.client, sink, dataclasses.replace(reply, concern="K7Q-M3X"), translator("en")
    )

    (text,) = slack.posted(DM)
    assert text["text"] == "Sheet of K7Q-M3X"
    (shared,) = slack.files.in_channel(DM)
    assert shown.attachment is None
    assert shown.text == "The file is in your direct messages with the bot, for you alone."
    assert sink.shown_ids == [text["ts"], f"file:{shared.id}"]

    await adapter.send(Removal(TO_ALICE, tuple(sink.shown_ids)))
    assert slack.files.in_channel(DM) == []
    assert slack.files.deleted == [shared.id]
    assert (DM, text["ts"]) not in slack.messages
    await adapter.send(Removal(TO_ALICE, tuple(sink.shown_ids)))  # gone already: done


async def test_removing_a_file_message_in_a_dm_deletes_it_there(
    slack: FakeSlack, adapter: SlackAdapter
) -> None:
    ts = await adapter.send(Reply(TO_ALICE, "Sheet", attachment=SHEET))
    assert ts is not None

    await adapter.send(Removal(TO_ALICE, (ts,)))

    assert (DM, ts) not in slack.messages


async def test_the_fake_holds_each_step_of_the_upload_flow(slack: FakeSlack) -> None:
    client = await client_of(slack)
    client.session = aiohttp.ClientSession()
    try:
        assert await error_of(client.files_getUploadURLExternal(filename="a.pdf", length=0)) == (
            "missing_argument"
        )
        got = await client.files_getUploadURLExternal(filename="a.pdf", length=len(PDF_BYTES))
        url, file_id = str(got["upload_url"]), str(got["file_id"])
        early = client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=DM)
        assert await error_of(early) == "file_not_found"  # nothing uploaded yet
        async with client.session.post(url, data=PDF_BYTES[:-1]) as short:
            assert short.status == 400  # the length said otherwise
        async with client.session.post(url, data=PDF_BYTES) as sent:
            assert sent.status == 200
        async with client.session.post(url, data=PDF_BYTES) as again:
            assert again.status == 404  # an upload URL is used once
        unknown = client.files_completeUploadExternal(files=[{"id": "F0NOPE"}], channel_id=DM)
        assert await error_of(unknown) == "file_not_found"
        done = await client.files_completeUploadExternal(
            files=[{"id": file_id, "title": "a"}], channel_id=DM, initial_comment="hi"
        )
        assert done["files"][0]["id"] == file_id
        twice = client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=DM)
        assert await error_of(twice) == "file_not_found"
    finally:
        await client.session.close()


async def test_without_files_write_no_upload_starts() -> None:
    fake = FakeSlack(scopes=SCOPES - {"files:write"})
    await fake.start()
    try:
        client = await client_of(fake)
        with pytest.raises(SlackApiError) as refused:
            await client.files_getUploadURLExternal(filename="a.pdf", length=3)
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == "files:write"
    finally:
        await fake.stop()
