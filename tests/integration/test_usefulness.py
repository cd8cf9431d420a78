"""'Was sharing useful?': asked once when a concern is closed, answered once, shown in aggregate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.registry import REGISTRY
from bot.app.composition import App, bootstrap
from bot.channels.events import ChoiceMade, Sender
from bot.channels.replies import Reply
from bot.delivery.worker import Deliverer
from bot.domain.model import Role
from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings
from bot.storage.tables import usefulness
from bot.testing import (
    SHARE_SCRIPT,
    Chat,
    FakeClock,
    RecordingOutlet,
    example_settings,
    fixed_cipher,
    join,
    start_app,
)

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday; the digest slot follows a week on
DIGEST_SLOT = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
REMARK = "It helped to hear what happened; the note came late though."


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return example_settings(tmp_path / "useful.db")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@dataclass
class Pair:
    """A reporter and a coordinator."""

    app: App
    clock: FakeClock
    outlet: RecordingOutlet
    anna: Chat
    cora: Chat

    async def press(self, chat: Chat, choice_id: str) -> list[Reply]:
        """``chat``'s member presses a button with this id."""
        return await chat.send(ChoiceMade(Sender(chat.address), choice_id))

    async def share_and_close(self) -> tuple[str, Reply]:
        """Anna shares, Cora closes it; returns the reference and the update Anna got."""
        reference = await self.share()
        self.clock.advance(hours=2)
        await self.press(self.cora, f"act:status:{reference}")
        await self.cora.script(
            ["#closed", "#advice_given", "We talked it through.", "#skip", "#yes"]
        )
        return reference, self.outlet.to("anna")[-1]

    async def share(self) -> str:
        """Anna shares a concern through the dialog; returns its reference."""
        await self.anna.script(SHARE_SCRIPT)
        async with self.app.uow() as uow:
            assert self.anna.member.id is not None
            mine = await uow.concerns.of_reporter(self.anna.member.id)
        return max(mine, key=lambda c: c.created_at).reference

    async def answers(self) -> list[tuple[str, str | None]]:
        """The stored usefulness rows: answer and sealed remark."""
        async with self.app.engine.connect() as connection:
            rows = await connection.execute(select(usefulness.c.answer, usefulness.c.remark_enc))
            return [(r.answer, r.remark_enc) for r in rows]


@pytest.fixture
async def pair(settings: Settings, clock: FakeClock) -> AsyncIterator[Pair]:
    app = await start_app(settings, clock)
    outlet = RecordingOutlet()
    anna = await join(app, outlet, "anna")
    cora = await join(app, outlet, "cora", Role.COORDINATOR)
    yield Pair(app, clock, outlet, anna, cora)
    await app.close()


async def test_the_closing_update_asks_the_reporter_whether_sharing_was_useful(
    pair: Pair,
) -> None:
    reference, update = await pair.share_and_close()
    assert update.text.startswith(f"Update on your concern {reference}: Closed.")
    assert update.text.endswith("Was sharing this concern useful to you?")
    assert [(c.id, c.label) for c in update.choices] == [
        (f"act:useful:{reference}~yes", "Yes"),
        (f"act:useful:{reference}~partly", "Partly"),
        (f"act:useful:{reference}~no", "No"),
    ]


async def test_a_dutch_reporter_is_asked_in_dutch(pair: Pair) -> None:
    await pair.anna.script(["/language", "#nl"])
    _, update = await pair.share_and_close()
    assert [c.label for c in update.choices] == ["Ja", "Deels", "Nee"]


async def test_the_question_is_asked_once_only(pair: Pair) -> None:
    reference, _ = await pair.share_and_close()
    asked = [r for r in pair.outlet.to("anna") if any("act:useful:" in c.id for c in r.choices)]
    assert len(asked) == 1
    await pair.press(pair.cora, f"act:status:{reference}")
    assert pair.outlet.to("cora")[-1].text == f"{reference} is closed."


async def test_an_answer_is_recorded_once_and_a_second_press_says_it_was_already_given(
    pair: Pair,
) -> None:
    reference, _ = await pair.share_and_close()
    first = await pair.press(pair.anna, f"act:useful:{reference}~yes")
    assert first[-1].text == "Thank you. Anything you would like to add? (optional, no names)"
    second = await pair.press(pair.anna, f"act:useful:{reference}~no")
    assert second[-1].text == "You already told us. Thank you."
    again = await pair.press(pair.anna, f"act:useful:{reference}~yes")
    assert again[-1].text == "You already told us. Thank you."
    assert [answer for answer, _ in await pair.answers()] == ["yes"]


async def test_the_remark_is_optional(pair: Pair) -> None:
    reference, _ = await pair.share_and_close()
    await pair.press(pair.anna, f"act:useful:{reference}~partly")
    replies = await pair.anna.pick("skip")
    assert replies[-1].text == "Thank you. This helps the network do better."
    assert await pair.answers() == [("partly", None)]


async def test_the_remark_is_stored_encrypted(pair: Pair) -> None:
    reference, _ = await pair.share_and_close()
    await pair.press(pair.anna, f"act:useful:{reference}~no")
    replies = await pair.anna.say(REMARK)
    assert replies[-1].text == "Thank you. This helps the network do better."
    [(answer, sealed)] = await pair.answers()
    assert answer == "no"
    assert sealed is not None
    assert "hear what happened" not in sealed
    assert fixed_cipher().open(sealed, "usefulness.remark") == REMARK


async def test_only_the_reporter_can_answer_and_only_once_the_concern_is_closed(
    pair: Pair,
) -> None:
    reference = await pair.share()
    early = await pair.press(pair.anna, f"act:useful:{reference}~yes")
    assert early[-1].text == "That button is no longer valid."
    await pair.press(pair.cora, f"act:status:{reference}")
    await pair.cora.script(["#closed", "#advice_given", "#skip", "#skip", "#yes"])
    other = await pair.press(pair.cora, f"act:useful:{reference}~no")
    assert other[-1].text == "That button is no longer valid."
    invented = await pair.press(pair.anna, f"act:useful:{reference}~maybe")
    assert invented[-1].text == "That button is no longer valid."
    assert await pair.answers() == []


async def digest_for(pair: Pair, chat: Chat) -> str:
    """Run the digest of ``DIGEST_SLOT`` and return what ``chat``'s member received."""
    pair.clock.set(DIGEST_SLOT + timedelta(minutes=1))
    await Scheduler(pair.app.uow, pair.app.settings, pair.clock).run("digest")
    await chat.deliverer.deliver_due()
    return chat.outlet.to(chat.address.user_id)[-1].text


async def test_a_single_answer_shows_in_the_next_digest_as_fewer_than_five(pair: Pair) -> None:
    reference, _ = await pair.share_and_close()
    await pair.press(pair.anna, f"act:useful:{reference}~yes")
    digest = await digest_for(pair, pair.cora)
    assert "Answers to “Was sharing useful?”: fewer than 5" in digest
    assert "useful: 1" not in digest


async def test_five_answers_show_as_a_number_in_the_next_digest(pair: Pair) -> None:
    for _ in range(5):
        reference, _ = await pair.share_and_close()
        await pair.press(pair.anna, f"act:useful:{reference}~yes")
        await pair.anna.pick("skip")
        pair.clock.advance(hours=3)
    reference, _ = await pair.share_and_close()
    await pair.press(pair.anna, f"act:useful:{reference}~no")
    digest = await digest_for(pair, pair.anna)
    assert "Answers to “Was sharing useful?”:\n• useful: 5\n• and fewer than 5 in other" in digest


async def test_answers_given_after_the_period_wait_for_the_next_digest(pair: Pair) -> None:
    reference, _ = await pair.share_and_close()
    digest = await digest_for(pair, pair.cora)
    assert "Was sharing useful?" not in digest
    pair.clock.set(DIGEST_SLOT + timedelta(days=1))
    await pair.press(pair.anna, f"act:useful:{reference}~partly")
    pair.clock.set(DIGEST_SLOT + timedelta(days=7, minutes=1))
    await Scheduler(pair.app.uow, pair.app.settings, pair.clock).run("digest")
    await pair.cora.deliverer.deliver_due()
    assert "Answers to “Was sharing useful?”: fewer than 5" in pair.outlet.to("cora")[-1].text


async def test_coordinators_stats_show_the_answers(pair: Pair) -> None:
    first, _ = await pair.share_and_close()
    await pair.press(pair.anna, f"act:useful:{first}~yes")
    await pair.anna.say(REMARK)
    second, _ = await pair.share_and_close()
    await pair.press(pair.anna, f"act:useful:{second}~partly")
    pair.clock.advance(minutes=1)
    replies = await pair.cora.say("/stats")
    text = replies[-1].text
    assert text.startswith("Netwerk Polarisatie Demostad, now and over the last 30 days:")
    assert "Closed: 2" in text
    assert "Was sharing useful? useful: 1, partly useful: 1, not useful: 0" in text
    assert REMARK not in text


async def test_reporters_cannot_see_the_stats(pair: Pair) -> None:
    replies = await pair.anna.say("/stats")
    assert replies[-1].text == "Only coordinators can do that."


async def test_a_reporter_on_slack_is_asked_too_where_the_network_has_a_slack_feed(
    settings: Settings, clock: FakeClock
) -> None:
    environ = {"SLACK_BOT_TOKEN": "xoxb-made-up"}  # the demo network's feed is on Slack
    app = await bootstrap(
        settings, clock=clock, cipher=fixed_cipher(), environ=environ, channels=REGISTRY
    )
    try:
        console, slack = RecordingOutlet(), RecordingOutlet("slack")
        deliverer = Deliverer(app.uow, {"console": console, "slack": slack}, clock, settings.outbox)
        sara = await join(app, slack, "T0001:U0SARA")
        cora = await join(app, console, "cora", Role.COORDINATOR)
        sara.deliverer = cora.deliverer = deliverer
        pair = Pair(app, clock, slack, sara, cora)
        await sara.script(SHARE_SCRIPT)
        async with app.uow() as uow:
            assert sara.member.id is not None
            [concern] = await uow.concerns.of_reporter(sara.member.id)
        clock.advance(hours=1)
        await pair.press(cora, f"act:status:{concern.reference}")
        await cora.script(["#closed", "#advice_given", "#skip", "#skip", "#yes"])
        update = slack.to("T0001:U0SARA")[-1]
        assert update.text.startswith(f"Update on your concern {concern.reference}: Closed.")
        assert [c.label for c in update.choices] == ["Yes", "Partly", "No"]
        replies = await pair.press(sara, update.choices[0].id)
        assert replies[-1].text.startswith("Thank you. Anything you would like to add?")
    finally:
        await app.close()
