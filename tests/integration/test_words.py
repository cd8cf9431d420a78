"""Issue 16, "Words", in the conversation (Dutch and English): counted texts, dates for people,
replies that say what was saved, /help's completeness, a label typed in part, Dutch role names."""

from __future__ import annotations

import re

import pytest

from bot.app.composition import App
from bot.channels.events import Sender, parse_text
from bot.channels.replies import Reply
from bot.conversation.router import registered_commands
from bot.domain.model import Role
from bot.share_script import share_path
from bot.testing import Chat, RecordingOutlet, join
from tests.integration.conftest import texts

COORDINATOR_ONLY = frozenset(
    {"list", "show", "invite", "note", "stats", "backup", "erase", "trends", "2fa", "casesheet"}
) | {
    *("casenote", "assign", "reopen", "link", "unlink"),  # the case file
}
"""The commands /help lists only for coordinators (the rest are everyone's)."""
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
PATH = share_path()


async def person(app: App, role: Role, language: str) -> Chat:
    """A member of the demo network who writes in ``language``."""
    return await join(app, RecordingOutlet(), f"{role.value}-{language}", role, language)


def listed(help_text: str) -> set[str]:
    """The commands a /help text names at the start of its lines."""
    return set(re.findall(r"^/([a-z0-9]+)", help_text, flags=re.MULTILINE))


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_help_lists_every_command_a_reporter_can_use_including_back(
    app: App, language: str
) -> None:
    reporter = await person(app, Role.REPORTER, language)
    shown = listed(texts(await reporter.say("/help")))
    assert "back" in shown
    assert registered_commands() - COORDINATOR_ONLY - {"start"} <= shown
    assert not shown & COORDINATOR_ONLY


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_help_lists_every_command_of_a_coordinator(app: App, language: str) -> None:
    coordinator = await person(app, Role.COORDINATOR, language)
    shown = listed(texts(await coordinator.say("/help")))
    assert registered_commands() - {"start"} <= shown


@pytest.mark.parametrize(
    ("language", "choice", "expected"),
    [
        ("en", "#weekly", "every week"),
        ("en", "#monthly", "every month"),
        ("en", "#off", "no longer receive the trend update"),
        ("nl", "#weekly", "elke week"),
        ("nl", "#monthly", "elke maand"),
        ("nl", "#off", "niet meer"),
    ],
)
async def test_digest_says_what_was_saved_and_what_it_means(
    app: App, language: str, choice: str, expected: str
) -> None:
    reporter = await person(app, Role.REPORTER, language)
    said = texts(await reporter.script(["/digest", choice]))
    assert expected in said
    assert "/digest" in said
    assert said.strip() not in ("Saved.", "Opgeslagen.")


@pytest.mark.parametrize(
    ("language", "choice", "expected"),
    [
        ("en", "#on", "I remove your messages"),
        ("en", "#off", "stay in this chat"),
        ("nl", "#on", "verwijder ik je berichten"),
        ("nl", "#off", "blijven je berichten"),
    ],
)
async def test_settings_say_what_was_saved(
    app: App, language: str, choice: str, expected: str
) -> None:
    reporter = await person(app, Role.REPORTER, language)
    said = (await reporter.script(["/settings", choice]))[-1].text
    assert said.startswith("Saved: " if language == "en" else "Opgeslagen: ")
    assert expected in said


@pytest.mark.parametrize(
    ("language", "switch", "expected"),
    [
        ("en", "on", "you are a backup coordinator now"),
        ("en", "off", "no longer a backup coordinator"),
        ("nl", "on", "je bent nu reservecoördinator"),
        ("nl", "off", "geen reservecoördinator meer"),
    ],
)
async def test_backup_says_what_was_saved(
    app: App, language: str, switch: str, expected: str
) -> None:
    coordinator = await person(app, Role.COORDINATOR, language)
    said = texts(await coordinator.say(f"/backup {switch}"))
    assert expected in said


@pytest.mark.parametrize(("language", "typed"), [("nl", "haast"), ("en", "rush")])
async def test_a_label_typed_in_part_is_understood_when_it_names_one_option(
    app: App, language: str, typed: str
) -> None:
    reporter = await person(app, Role.REPORTER, language)
    await reporter.script(PATH.before("urgency"))
    asked = texts(await reporter.say(typed))
    contact = "Mag de coördinator hierover contact" if language == "nl" else "May the coordinator"
    assert contact in asked  # "no rush" was understood: the next question is asked


@pytest.mark.parametrize(("language", "typed"), [("nl", "EEN JONGERE"), ("en", "ONE young")])
async def test_a_label_is_matched_without_case_or_accents(
    app: App, language: str, typed: str
) -> None:
    reporter = await person(app, Role.REPORTER, language)
    await reporter.script(PATH.before("subject"))
    asked = texts(await reporter.say(typed))
    assert ("Hoe oud is de jongere" if language == "nl" else "How old is the young person") in (
        asked
    )


@pytest.mark.parametrize(
    ("language", "typed", "options"),
    [
        ("nl", "jongere", "Eén jongere / Een groep jongeren"),
        ("en", "young", "One young person / A group of young people"),
    ],
)
async def test_a_part_that_names_several_options_is_asked_back_with_those_options(
    app: App, language: str, typed: str, options: str
) -> None:
    reporter = await person(app, Role.REPORTER, language)
    await reporter.script(PATH.before("subject"))
    asked = texts(await reporter.say(typed))
    assert options in asked
    assert ("Welke bedoel je" if language == "nl" else "Which one do you mean") in asked


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_an_unknown_answer_to_a_choice_does_not_tell_anyone_to_tap(
    app: App, language: str
) -> None:
    reporter = await person(app, Role.REPORTER, language)
    await reporter.script(PATH.before("urgency"))
    said = texts(await reporter.say("xyz"))
    assert not re.search(r"\btik\b|\btap\b", said)
    # Only the terminal shows numbers; a chat app's buttons carry none to type.
    assert not re.search(r"\bnummer\b|\bnumber\b", said)
    assert ("of typ de naam ervan" if language == "nl" else "or type its name") in said


async def with_message_ids(chat: Chat, lines: tuple[str, ...]) -> list[Reply]:
    """Run a share script, each typed line with a chat message id (as chat apps give one)."""
    replies: list[Reply] = []
    for number, line in enumerate(lines):
        if line.startswith("#"):
            replies += await chat.pick(line[1:])
        else:
            event = parse_text(Sender(chat.address), line, message_id=f"m{number}")
            replies += await chat.send(event)
    return replies


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "Ik heb je 2 berichten met het verslag"), ("en", "I removed your 2 messages")],
)
async def test_the_removed_messages_are_counted_through_the_catalogs_plural(
    app: App, language: str, expected: str
) -> None:
    reporter = await person(app, Role.REPORTER, language)
    said = texts(await with_message_ids(reporter, PATH.lines()))  # the facts, the interpretation
    assert expected in said


@pytest.mark.parametrize(("language", "month"), [("nl", "november"), ("en", "November")])
async def test_the_confirmation_gives_dates_for_people_not_iso(
    app: App, language: str, month: str
) -> None:
    reporter = await person(app, Role.REPORTER, language)
    said = texts(await reporter.script(PATH.lines()))
    assert not ISO.search(said)
    assert re.search(rf"\b\d{{1,2}} ({month}|december|December), \d{{2}}:\d{{2}}\b", said), said


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "Uitnodiging (melder)"), ("en", "Invitation for a reporter")],
)
async def test_an_invitation_names_the_role_in_the_coordinators_language(
    app: App, language: str, expected: str
) -> None:
    coordinator = await person(app, Role.COORDINATOR, language)
    said = texts(await coordinator.say("/invite reporter"))
    assert expected in said
    assert not ISO.search(said)
