"""A forwarded message is a source, not the reporter's own words: it is stored marked as
forwarded, and the reporter is told so once (in their own language)."""

from __future__ import annotations

import re

import pytest

from bot.app.composition import App
from bot.channels.events import Sender, TextReceived, parse_text
from bot.channels.replies import Reply
from bot.domain.model import Role
from bot.share_script import share_path
from bot.testing import Chat, RecordingOutlet, join

PATH = share_path(source="colleague", interpretation="#skip")
BEFORE_FACTS = list(PATH.before("facts"))
AFTER_FACTS = ["#done", *PATH.after("facts")]
FORWARDED_TEXT = "CANARY-FWD-1: 'ze verdienen het', in the class group chat."
OWN_TEXT = "CANARY-OWN-2: he repeated it in class the next day."

WORDS = {
    "en": (
        "Forwarded message:",
        "I took that as a forwarded message: something you were sent, a source, not your own "
        "observation. It is stored marked as forwarded.",
    ),
    "nl": (
        "Doorgestuurd bericht:",
        "Dat heb ik opgevat als een doorgestuurd bericht: iets wat je is toegestuurd, een bron, "
        "niet je eigen waarneming. Het is opgeslagen met de markering dat het doorgestuurd is.",
    ),
}


def reference_in(replies: list[Reply]) -> str:
    """The reference code of the shared concern, in either language."""
    found = re.search(r"(?:Reference|Referentie): ([A-Z2-9]{3}-[A-Z2-9]{3})", replies[-1].text)
    assert found is not None
    return found.group(1)


async def forward(chat: Chat, text: str) -> list[Reply]:
    """The member forwards a message someone else wrote."""
    return await chat.send(TextReceived(Sender(chat.address), text, forwarded=True))


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_a_forwarded_fact_is_stored_marked_and_the_reporter_is_told_once(
    app: App, outlet: RecordingOutlet, language: str
) -> None:
    marker, notice = WORDS[language]
    reporter = await join(app, outlet, f"Fenna-{language}", Role.REPORTER, language)
    await reporter.script(BEFORE_FACTS)

    first = await forward(reporter, FORWARDED_TEXT)
    again = await forward(reporter, FORWARDED_TEXT.replace("1", "3"))
    own = await reporter.say(OWN_TEXT)
    done = await reporter.script(AFTER_FACTS)

    assert first[0].text.startswith(notice + "\n\n")
    assert not any(notice in r.text for r in again + own)
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference_in(done))
    assert concern is not None
    parts = concern.facts.split("\n")
    assert parts[0] == marker
    assert parts[1] == FORWARDED_TEXT
    assert parts[2] == marker
    assert OWN_TEXT in concern.facts
    assert f"{marker}\n{OWN_TEXT}" not in concern.facts


async def test_a_forwarded_command_is_taken_as_text_not_obeyed(
    app: App, outlet: RecordingOutlet
) -> None:
    reporter = await join(app, outlet, "Fenna-cmd")
    await reporter.script(BEFORE_FACTS)

    replies = await reporter.send(parse_text(Sender(reporter.address), "/cancel", forwarded=True))

    assert replies[0].text.startswith(WORDS["en"][1])
    assert "Stopped" not in replies[0].text
