"""Issue 16, "Words": plurals through ngettext, dates and durations for people through Babel,
and Dutch catalogs in the je-form with Dutch role names and ACUUT."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from adapters.console.chat import render, to_event
from bot.channels.events import Address, ChoiceMade, Sender, TextReceived
from bot.channels.replies import Choice, Reply
from bot.conversation.cards import when
from bot.conversation.long_text import KEPT, NOTED, NOTHING_KEPT
from bot.i18n import DOMAIN, N_plural, duration, for_people, ngettext, translator
from bot.i18n_tools import PackageCatalog, catalogs, key_of
from bot.usecases.data_rights import STALE_COPIES
from dialogs.share_flow import REMOVED

ROOT = Path(__file__).resolve().parents[2]
MOMENT = datetime(2026, 12, 15, 18, 44, tzinfo=UTC)  # 19:44 in Amsterdam
ZONE = "Europe/Amsterdam"
ME = Sender(Address("console", "rita"))
FORMAL = re.compile(r"\b(u|uw|uzelf)\b", re.IGNORECASE)
ENGLISH_ROLES = re.compile(r"\b(coordinators?|reporters?)\b", re.IGNORECASE)
COMMAND_SYNTAX = re.compile(r"/?invite reporter\|coordinator|reporter = melder|coordinator = ")
"""What a coordinator types (the command's arguments) is not a role name in a sentence."""


def dutch(catalog: PackageCatalog) -> Catalog:
    with catalog.path("nl").open("rb") as handle:
        return read_po(handle, locale="nl", domain=DOMAIN)


def dutch_texts() -> list[tuple[str, str]]:
    """(message key, Dutch text) of every entry, each form of a counted text on its own."""
    found = []
    for catalog in catalogs():
        for message in dutch(catalog):
            if not message.id:
                continue
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            found += [(key_of(message.id), str(form)) for form in forms]
    return found


@pytest.mark.parametrize(
    ("language", "one", "three"),
    [
        ("nl", "Ik heb je bericht met", "Ik heb je 3 berichten met"),
        ("en", "I removed your message with", "I removed your 3 messages with"),
    ],
)
def test_a_counted_text_takes_the_languages_plural_form(
    language: str, one: str, three: str
) -> None:
    t = translator(language)
    assert ngettext(t, REMOVED, 1).format(count=1).startswith(one)
    assert ngettext(t, REMOVED, 3).format(count=3).startswith(three)


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [("nl", "Genoteerd (1 teken ", "Genoteerd (40 tekens "), ("en", "Noted (1 character ", "")],
)
def test_a_count_of_one_is_not_written_as_a_plural(language: str, one: str, many: str) -> None:
    t = translator(language)
    assert ngettext(t, NOTED, 1).format(count=1).startswith(one)
    assert ngettext(t, NOTED, 40).format(count=40).startswith(many or "Noted (40 characters ")


def test_a_plain_translate_callable_gets_english_plural_rules() -> None:
    text = N_plural("{count} day", "{count} days")
    assert ngettext(lambda s: s, text, 1).format(count=1) == "1 day"
    assert ngettext(lambda s: s, text, 2).format(count=2) == "2 days"


def test_the_extractor_records_a_counted_text_with_its_plural(tmp_path: Path) -> None:
    source = tmp_path / "bot" / "sample.py"
    source.parent.mkdir()
    source.write_text(
        'from bot.i18n import N_plural\nX = N_plural("{count} apple", "{count} apples")\n'
    )
    [(_, _, message)] = PackageCatalog("bot", (source,), tmp_path).found()
    assert message == ("{count} apple", "{count} apples")
    template = PackageCatalog("bot", (source,), tmp_path).extract()
    stored = template.get("{count} apple")
    assert stored is not None
    assert stored.pluralizable


@pytest.mark.parametrize("language", ["nl", "en"])
def test_each_catalog_declares_its_plural_forms(language: str) -> None:
    for catalog in catalogs():
        with catalog.path(language).open("rb") as handle:
            loaded = read_po(handle, locale=language, domain=DOMAIN)
        assert loaded.plural_forms == "nplurals=2; plural=(n != 1);"


@pytest.mark.parametrize(
    ("language", "expected"), [("nl", "15 december, 19:44"), ("en", "15 December, 19:44")]
)
def test_a_moment_for_people_is_a_date_in_words_in_the_networks_zone(
    language: str, expected: str
) -> None:
    t = translator(language)
    assert for_people(MOMENT, ZONE, t) == expected
    assert when(MOMENT, ZONE, t) == expected


def test_the_operators_terminal_keeps_the_sortable_form() -> None:
    assert when(MOMENT, ZONE) == "2026-12-15 19:44"


@pytest.mark.parametrize(
    ("language", "one", "two"), [("nl", "1 minuut", "2 minuten"), ("en", "1 minute", "2 minutes")]
)
def test_a_duration_is_in_words_with_the_right_plural(language: str, one: str, two: str) -> None:
    t = translator(language)
    assert duration(t, minutes=1) == one
    assert duration(t, minutes=2) == two


def test_no_dutch_text_uses_the_formal_u_or_uw() -> None:
    wrong = [(key, text) for key, text in dutch_texts() if FORMAL.search(text)]
    assert not wrong


def test_no_dutch_text_uses_an_english_role_name() -> None:
    wrong = [
        (key, text)
        for key, text in dutch_texts()
        if ENGLISH_ROLES.search(COMMAND_SYNTAX.sub("", text))
    ]
    assert not wrong


def test_acute_is_acuut_and_never_acute_zorg_in_dutch() -> None:
    wrong = [
        (key, text)
        for key, text in dutch_texts()
        if re.search(r"\bACUTE\b", text) or re.search(r"acute zorg", text, flags=re.IGNORECASE)
    ]
    assert not wrong
    assert translator("nl")("ACUTE concern shared").startswith("ACUUT")


def test_no_dutch_message_id_or_example_configuration_uses_the_formal_u() -> None:
    assert not FORMAL.search(translator("en")("Which language do you prefer? / Welke taal wil je?"))
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    contacts = re.findall(r"^public_contact = \"(.*)\"", example, flags=re.MULTILINE)
    assert contacts
    assert not any(FORMAL.search(contact) for contact in contacts)


def test_while_writing_a_typed_number_in_the_console_is_text_not_done() -> None:
    noted = Reply(ME.address, "Noted.", (Choice("done", "Done"),), "n1")
    assert to_event("1", ME, noted) == TextReceived(ME, "1")
    skippable = Reply(ME.address, "Anything else?", (Choice("skip", "Skip"),), "n2")
    assert isinstance(to_event("1", ME, skippable), TextReceived)


def test_while_writing_the_console_shows_done_without_a_number_to_type() -> None:
    noted = Reply(ME.address, "Noted.", (Choice("done", "Done"),), "n1")
    assert render(noted) == "Noted.\n  [Done]"  # "1) Done" would invite the "1" that is text
    question = Reply(ME.address, "Which?", (Choice("a", "A"), Choice("done", "Done")), "n3")
    assert render(question) == "Which?\n  1) A\n  2) Done"


def test_while_writing_the_done_label_typed_in_full_still_means_done() -> None:
    noted = Reply(ME.address, "Noted.", (Choice("done", "Done"),), "n1")
    assert to_event("done", ME, noted) == ChoiceMade(ME, "done", "n1")


def test_a_number_still_picks_an_option_of_a_choice_question_in_the_console() -> None:
    question = Reply(ME.address, "Which?", (Choice("a", "A"), Choice("done", "Done")), "n3")
    assert to_event("1", ME, question) == ChoiceMade(ME, "a", "n3")


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("nl", "De bot kon de kopie van", "De bot kon 2 kopieën van"),
        ("en", "The bot could not delete the copy of", "The bot could not delete 2 copies of"),
    ],
)
def test_copies_left_in_a_chat_are_counted_in_words(language: str, one: str, two: str) -> None:
    t = translator(language)
    assert ngettext(t, STALE_COPIES, 1).format(count=1, hours=48).startswith(one)
    assert ngettext(t, STALE_COPIES, 2).format(count=2, hours=48).startswith(two)


@pytest.mark.parametrize(
    ("language", "one", "nine"),
    [("nl", "in 1 bericht.", "in 9 berichten."), ("en", "in 1 message.", "in 9 messages.")],
)
def test_the_messages_not_added_are_counted_in_words(language: str, one: str, nine: str) -> None:
    t = translator(language)
    for text in (KEPT, NOTHING_KEPT):
        for count, expected in ((1, one), (9, nine)):
            said = ngettext(t, text, count).format(
                kept=10, tail="…", dropped=5000, messages=count, left=0
            )
            assert expected in said
