"""Urgency drives the acknowledgement deadline, per network; the reporter reads the one stored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app.composition import App
from bot.conversation.cards import when
from bot.i18n import translator
from bot.share_script import share_path
from bot.testing import Chat, RecordingOutlet, join
from tests.integration.conftest import EXAMPLE, SECOND_NETWORK

REFERENCE = re.compile(r"(Reference|Referentie): ([A-Z2-9]{3}-[A-Z2-9]{3})")
OVERRIDE = "retention_days = 365             # closed concerns are deleted after this many days\n"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The example configuration; the demo network gives "no rush" 7 working days."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert OVERRIDE in text
    text = text.replace(
        OVERRIDE, OVERRIDE + "\n[networks.deadlines]\nno_rush_working_days = 7\n", 1
    )
    path = tmp_path / "config.toml"
    path.write_text(text + SECOND_NETWORK, encoding="utf-8")
    return path


def _lines(urgency: str) -> list[str]:
    lines = list(share_path().lines())
    lines[lines.index("#week")] = f"#{urgency}"
    return lines


@pytest.mark.parametrize(
    ("urgency", "language", "shown"),
    [
        ("soon", "en", "1 December, 10:00"),  # Monday 09:00 UTC + 1 working day, Amsterdam
        ("week", "en", "3 December, 10:00"),  # + 3
        ("no_rush", "en", "9 December, 10:00"),  # + 7: the network's own setting
        ("soon", "nl", "1 december, 10:00"),
        ("no_rush", "nl", "9 december, 10:00"),
    ],
)
async def test_the_confirmation_shows_the_deadline_that_is_stored(
    app: App, outlet: RecordingOutlet, coordinator: Chat, urgency: str, language: str, shown: str
) -> None:
    reporter = await join(app, outlet, f"Rik-{urgency}-{language}", language=language)
    replies = await reporter.script(_lines(urgency))
    found = REFERENCE.search("\n".join(r.text for r in replies))
    assert found is not None
    reference = found.group(2)
    async with app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
    assert concern is not None
    assert concern.urgency == urgency
    assert when(concern.acknowledge_due, app.settings.bot.timezone, translator(language)) == shown
    confirmation = next(r.text for r in reversed(replies) if reference in r.text)
    assert shown in confirmation


@pytest.mark.parametrize(
    ("language", "promise"),
    [("en", "within 7 working days at the latest"), ("nl", "uiterlijk binnen 7 werkdagen")],
)
async def test_the_privacy_text_promises_the_longest_deadline_that_applies(
    app: App, outlet: RecordingOutlet, language: str, promise: str
) -> None:
    reporter = await join(app, outlet, f"Pim-{language}", language=language)
    replies = await reporter.script(["/privacy"])
    assert promise in replies[-1].text
