"""A source per observation where they differ (issue 16): when the parts of an account come from
different sources, the dialog asks which part comes from which; it is stored sealed, shown in the
summary and in the coordinator's details. Dutch and English."""

from __future__ import annotations

import pytest

from bot.app.system import App
from bot.share_script import share_path
from bot.testing import Chat, RecordingOutlet, join
from tests.integration.conftest import act, reference_in, texts

PER_PART = "the remark: I heard it myself; the video: a colleague showed it"
ASKED = {
    "en": ("Which part comes from which source?", "Source per part"),
    "nl": ("Welk deel komt van welke bron?", "Bron per deel"),
}


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_different_sources_are_asked_per_part_and_shown_in_summary_and_details(
    app: App, outlet: RecordingOutlet, coordinator: Chat, language: str
) -> None:
    ask, shown = ASKED[language]
    rita = await join(app, outlet, "Rita-Sources", language=language)
    path = share_path(source="several", sources_detail=PER_PART)
    said = texts(await rita.script(path.until("source")))
    assert ask in said
    summary = texts(await rita.script(path.after("source")[:-1]))
    assert f"{shown}: {PER_PART}" in summary
    await rita.script(path.answer("summary"))
    async with app.uow() as uow:
        (stored,) = await uow.concerns.of_reporter(rita.member.id or 0)
    assert stored.sources_detail == PER_PART
    details = (await act(coordinator, "details", stored.reference))[0].text
    assert PER_PART in details


async def test_one_source_asks_nothing_more(reporter: Chat) -> None:
    said = texts(await reporter.script(share_path().lines()))
    assert "Which part comes from which source?" not in said


async def test_the_part_per_source_may_be_skipped(reporter: Chat) -> None:
    path = share_path(source="several")
    assert path.answer("sources_detail") == ("#skip",)
    assert reference_in(await reporter.script(path.lines()))
