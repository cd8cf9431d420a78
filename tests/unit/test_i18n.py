"""The message catalogs: complete Dutch, faithful placeholders, clean files, working lookups."""

from __future__ import annotations

import gettext
import re
import string
from collections.abc import Iterable
from io import BytesIO

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LANGUAGES, normalise_language, translator
from bot.i18n_tools import catalog_path, extract

HINT = "Run `make i18n`, then translate in bot/locale/nl/LC_MESSAGES/concernbot.po:"
COMMAND = re.compile(r"(?<![\w/])/[a-z]+\b")


def _load(language: str) -> Catalog:
    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN, abort_invalid=True)


def _source_ids() -> set[str]:
    return {str(message.id) for message in extract() if message.id}


def _translated(catalog: Catalog) -> list[tuple[str, str]]:
    return [(str(m.id), str(m.string)) for m in catalog if m.id and m.string]


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def _listing(ids: Iterable[str]) -> str:
    return "\n".join(f"  {message!r}" for message in sorted(ids))


def test_every_marked_message_has_a_dutch_translation() -> None:
    dutch = _load("nl")
    missing = []
    for message_id in _source_ids():
        message = dutch.get(message_id)
        if message is None or not message.string or message.fuzzy:
            missing.append(message_id)
    if missing:
        pytest.fail(f"{HINT}\n{_listing(missing)}", pytrace=False)


def test_every_catalog_lists_exactly_the_messages_the_source_marks() -> None:
    source = _source_ids()
    for language in LANGUAGES:
        listed = {str(message.id) for message in _load(language) if message.id}
        if listed != source:
            pytest.fail(
                f"{catalog_path(language)} is out of step with the source; run `make i18n`.\n"
                f"Not in the catalog:\n{_listing(source - listed)}\n"
                f"No longer in the source:\n{_listing(listed - source)}",
                pytrace=False,
            )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_keeps_exactly_the_placeholders_of_its_message(language: str) -> None:
    wrong = [
        f"  {message_id!r}: {sorted(_placeholders(text))} ≠ {sorted(_placeholders(message_id))}"
        for message_id, text in _translated(_load(language))
        if _placeholders(text) != _placeholders(message_id)
    ]
    if wrong:
        pytest.fail("Placeholders differ from the message id:\n" + "\n".join(wrong), pytrace=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_keeps_the_commands_lines_and_bullets_of_its_message(
    language: str,
) -> None:
    wrong = []
    for message_id, text in _translated(_load(language)):
        source_lines, lines = message_id.split("\n"), text.split("\n")
        if sorted(COMMAND.findall(message_id)) != sorted(COMMAND.findall(text)):
            wrong.append(f"  commands differ: {message_id!r}")
        elif len(lines) != len(source_lines) or any(
            a.startswith("•") != b.startswith("•") for a, b in zip(source_lines, lines, strict=True)
        ):
            wrong.append(f"  lines or bullets differ: {message_id!r}")
    if wrong:
        pytest.fail("Keep /commands, line breaks and bullets:\n" + "\n".join(wrong), pytrace=False)


def test_the_english_catalog_leaves_every_message_as_written() -> None:
    changed = [message_id for message_id, text in _translated(_load("en")) if text != message_id]
    if changed:
        pytest.fail(f"English uses the message ids themselves:\n{_listing(changed)}", pytrace=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_loads_cleanly_without_duplicate_or_stray_obsolete_entries(
    language: str,
) -> None:
    catalog = _load(language)
    raw = catalog_path(language).read_text(encoding="utf-8")
    entries = len(re.findall(r"^msgid ", raw, flags=re.MULTILINE))
    assert entries == len(catalog) + 1, "a message id appears twice (plus the header)"
    for message_id, message in catalog.obsolete.items():
        assert catalog.get(message_id) is None, f"obsolete entry shadows {message_id!r}"
        assert message.string, f"obsolete entry without a translation: {message_id!r}"
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    assert gettext.GNUTranslations(buffer).gettext("Yes") == translator(language)("Yes")


def test_dutch_translator_returns_dutch_and_keeps_placeholders_usable() -> None:
    t = translator("nl")
    assert t("Yes") == "Ja"
    assert t("{reference} is closed.").format(reference="K7Q-M3X") == "K7Q-M3X is afgesloten."
    assert t("From now on I write in English.") == "Vanaf nu schrijf ik in het Nederlands."


def test_english_translator_returns_the_english_message() -> None:
    t = translator("en")
    assert t("Yes") == "Yes"
    assert t("From now on I write in English.") == "From now on I write in English."


def test_unknown_messages_pass_through_unchanged_in_every_language() -> None:
    for language in LANGUAGES:
        assert translator(language)("not a marked message") == "not a marked message"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("nl-BE", "nl"),
        ("en_GB", "en"),
        ("EN-us", "en"),
        ("nl", "nl"),
        (None, "nl"),
        ("", "nl"),
        ("fr", "nl"),
    ],
)
def test_normalise_language_maps_platform_codes_to_a_supported_language(
    code: str | None, expected: str
) -> None:
    assert normalise_language(code) == expected


def test_translator_without_a_language_speaks_the_default_dutch() -> None:
    assert translator(None)("Yes") == "Ja"
