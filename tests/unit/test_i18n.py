"""The message catalogs — the core's and each channel package's: complete Dutch, faithful
placeholders, clean files, working lookups, and no channel's texts in the core's catalog."""

from __future__ import annotations

import gettext
import re
import string
import sys
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import bot.i18n as i18n
from bot.i18n import DOMAIN, LANGUAGES, normalise_language, translator
from bot.i18n_tools import PackageCatalog, catalogs, core_catalog, key_of, translated

HINT = "Run `make i18n`, then translate in {path}:"
COMMAND = re.compile(r"(?<![\w/])/[a-z]+\b")
CATALOGS = catalogs()
EACH = pytest.mark.parametrize("catalog", CATALOGS, ids=lambda c: c.package)
EACH_LANGUAGE = pytest.mark.parametrize("language", LANGUAGES)
CHANNELS = ("adapters.telegram", "adapters.slack")
SLACK_FILE = "The file is in your direct messages with the bot, for you alone."


def _load(catalog: PackageCatalog, language: str) -> Catalog:
    with catalog.path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN, abort_invalid=True)


def _source_ids(catalog: PackageCatalog) -> set[str]:
    return {key_of(message.id) for message in catalog.extract() if message.id}


def _translated(catalog: Catalog) -> list[tuple[str, str]]:
    """(message id, translation) pairs; a counted text gives one per form (singular, plural)."""
    pairs: list[tuple[str, str]] = []
    for m in catalog:
        if not m.id or not translated(m.string):
            continue
        if isinstance(m.id, (tuple, list)) and isinstance(m.string, (tuple, list)):
            ids = [str(m.id[0]), *[str(m.id[1])] * (len(m.string) - 1)]
            pairs.extend(zip(ids, (str(form) for form in m.string), strict=True))
        else:
            pairs.append((str(m.id), str(m.string)))
    return pairs


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def _listing(ids: Iterable[str]) -> str:
    return "\n".join(f"  {message!r}" for message in sorted(ids))


@EACH
def test_every_marked_message_has_a_dutch_translation(catalog: PackageCatalog) -> None:
    dutch = _load(catalog, "nl")
    missing = []
    for message_id in _source_ids(catalog):
        message = dutch.get(message_id)
        if message is None or not translated(message.string) or message.fuzzy:
            missing.append(message_id)
    if missing:
        hint = HINT.format(path=catalog.path("nl"))
        pytest.fail(f"{hint}\n{_listing(missing)}", pytrace=False)


@EACH
def test_every_catalog_lists_exactly_the_messages_the_source_marks(
    catalog: PackageCatalog,
) -> None:
    source = _source_ids(catalog)
    for language in LANGUAGES:
        listed = {key_of(message.id) for message in _load(catalog, language) if message.id}
        if listed != source:
            pytest.fail(
                f"{catalog.path(language)} is out of step with the source; run `make i18n`.\n"
                f"Not in the catalog:\n{_listing(source - listed)}\n"
                f"No longer in the source:\n{_listing(listed - source)}",
                pytrace=False,
            )


def test_each_channel_package_keeps_its_texts_in_its_own_catalog() -> None:
    by_package = {catalog.package: catalog for catalog in CATALOGS}
    assert set(CHANNELS) <= set(by_package)
    for package in CHANNELS:
        folder = package.replace(".", "/") + "/"
        files = {filename for filename, _, _ in by_package[package].found()}
        assert files, f"{package} marks no text"
        assert all(f.startswith(folder) for f in files), files
        assert by_package[package].path("nl").is_file()


def test_the_core_catalog_holds_no_text_or_reference_of_a_channel() -> None:
    for language in LANGUAGES:
        raw = core_catalog().path(language).read_text(encoding="utf-8")
        assert "#: adapters/" not in raw
        assert not re.search("slack|telegram", raw, flags=re.IGNORECASE)
    assert not re.search("slack|telegram", core_catalog().template.read_text(), re.IGNORECASE)


def test_a_channel_text_is_translated_through_its_own_package_catalog() -> None:
    import adapters.slack  # noqa: F401 - registers its catalog

    core = gettext.GNUTranslations(BytesIO(i18n.compiled("bot", "nl") or b""))
    assert core.gettext(SLACK_FILE) == SLACK_FILE
    assert translator("nl")(SLACK_FILE).startswith("Het bestand staat in je privéberichten")
    assert translator("en")(SLACK_FILE) == SLACK_FILE


def test_a_package_registered_later_is_found_by_the_next_translator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = tmp_path / "late_channel" / "locale" / "nl" / "LC_MESSAGES" / f"{DOMAIN}.po"
    catalog.parent.mkdir(parents=True)
    (tmp_path / "late_channel" / "__init__.py").write_text("")
    catalog.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Late hello"\nmsgstr "Late hallo"\n',
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(i18n, "_packages", list(i18n.registered_packages()))
    monkeypatch.delitem(sys.modules, "late_channel", raising=False)
    before = translator("nl")

    i18n.register_catalog("late_channel")

    assert before("Late hello") == "Late hello"
    assert translator("nl")("Late hello") == "Late hallo"
    assert translator("nl")("Yes") == "Ja"


def test_a_message_in_several_catalogs_reads_the_same_in_each() -> None:
    for language in LANGUAGES:
        seen: dict[str, tuple[str, str]] = {}
        for catalog in CATALOGS:
            for message_id, text in _translated(_load(catalog, language)):
                first = seen.setdefault(message_id, (catalog.package, text))
                assert first[1] == text, f"{message_id!r}: {first} ≠ {catalog.package}: {text!r}"


@EACH
@EACH_LANGUAGE
def test_every_translation_keeps_exactly_the_placeholders_of_its_message(
    catalog: PackageCatalog, language: str
) -> None:
    wrong = [
        f"  {message_id!r}: {sorted(_placeholders(text))} ≠ {sorted(_placeholders(message_id))}"
        for message_id, text in _translated(_load(catalog, language))
        if _placeholders(text) != _placeholders(message_id)
    ]
    if wrong:
        pytest.fail("Placeholders differ from the message id:\n" + "\n".join(wrong), pytrace=False)


@EACH
@EACH_LANGUAGE
def test_every_translation_keeps_the_commands_lines_and_bullets_of_its_message(
    catalog: PackageCatalog, language: str
) -> None:
    wrong = []
    for message_id, text in _translated(_load(catalog, language)):
        source_lines, lines = message_id.split("\n"), text.split("\n")
        if sorted(COMMAND.findall(message_id)) != sorted(COMMAND.findall(text)):
            wrong.append(f"  commands differ: {message_id!r}")
        elif len(lines) != len(source_lines) or any(
            a.startswith("•") != b.startswith("•") for a, b in zip(source_lines, lines, strict=True)
        ):
            wrong.append(f"  lines or bullets differ: {message_id!r}")
    if wrong:
        pytest.fail("Keep /commands, line breaks and bullets:\n" + "\n".join(wrong), pytrace=False)


@EACH
def test_the_english_catalog_leaves_every_message_as_written(catalog: PackageCatalog) -> None:
    english = _translated(_load(catalog, "en"))
    changed = [message_id for message_id, text in english if text != message_id]
    if changed:
        pytest.fail(f"English uses the message ids themselves:\n{_listing(changed)}", pytrace=False)


@EACH
@EACH_LANGUAGE
def test_the_catalog_loads_cleanly_without_duplicate_or_stray_obsolete_entries(
    catalog: PackageCatalog, language: str
) -> None:
    raw = catalog.path(language).read_text(encoding="utf-8")
    loaded = _load(catalog, language)
    entries = len(re.findall(r"^msgid ", raw, flags=re.MULTILINE))
    assert entries == len(loaded) + 1, "a message id appears twice (plus the header)"
    for message_id, message in loaded.obsolete.items():
        assert loaded.get(message_id) is None, f"obsolete entry shadows {message_id!r}"
        assert translated(message.string), f"obsolete entry without a translation: {message_id!r}"
    buffer = BytesIO()
    write_mo(buffer, loaded)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    __import__(catalog.package)  # a package registers its catalog when it is imported
    t = translator(language)
    for message_id, _ in _translated(loaded):
        assert compiled.gettext(message_id) == t(message_id), message_id


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
