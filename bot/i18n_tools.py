"""Message extraction: keep each package's .pot and nl/en catalogs in step with the source.

The core catalog (``bot/locale``) holds the texts of ``bot/`` and ``dialogs/``. Each package
under ``adapters/`` (a channel: ``adapters/<name>/``, every file in it) has a catalog of its own
in ``adapters/<name>/locale``, as soon as it marks a text; files directly in ``adapters/`` belong
to ``adapters/locale``. At run time the package registers it (``bot.i18n.register_catalog``).
"""

from __future__ import annotations

import ast
import copy
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.i18n import CORE_PACKAGE, DOMAIN, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
CORE_SOURCES: tuple[str, ...] = (CORE_PACKAGE, "dialogs")
PLUG_INS = "adapters"
"""The folder whose packages carry catalogs of their own."""
KEYWORD = "N_"
PLURAL_KEYWORD = "N_plural"
SOURCE_LANGUAGE = "en"  # message ids are English, so its catalog stays empty

HEADER = "# Translations template for PROJECT.\n# Updated by `make i18n` (bot/i18n_tools.py).\n#"
MessageId = str | tuple[str, str]  # a text, or a counted text's singular and plural
Found = tuple[str, int, MessageId]  # (path relative to the checkout, line, message id)


@dataclass(frozen=True)
class PackageCatalog:
    """The catalog of one package: where it lives and the source files whose texts it holds."""

    package: str
    files: tuple[Path, ...]
    root: Path = ROOT

    @property
    def locale(self) -> Path:
        """The package's ``locale`` folder."""
        return self.root.joinpath(*self.package.split(".")) / "locale"

    @property
    def template(self) -> Path:
        """Where its .pot lives."""
        return self.locale / f"{DOMAIN}.pot"

    def path(self, language: str) -> Path:
        """Where its .po catalog for ``language`` lives."""
        return self.locale / language / "LC_MESSAGES" / f"{DOMAIN}.po"

    def found(self) -> list[Found]:
        """Every message its files mark, ordered by file and line."""
        found: set[Found] = set()
        for path in self.files:
            found.update(_marked(path, self.root))
        return sorted(found, key=lambda f: (f[0], f[1], key_of(f[2])))

    def extract(self) -> Catalog:
        """Build its template (the .pot) from the source, as it is right now."""
        template = Catalog(domain=DOMAIN, header_comment=HEADER, project="concernbot", fuzzy=False)
        for filename, lineno, message in self.found():
            template.add(message, locations=[(filename, lineno)])
        return template


def catalogs(root: Path = ROOT) -> tuple[PackageCatalog, ...]:
    """The core catalog, then one per package under ``adapters/`` that marks texts or has one."""
    core = tuple(p for source in CORE_SOURCES for p in sorted((root / source).rglob("*.py")))
    grouped: dict[str, list[Path]] = {}
    for path in sorted((root / PLUG_INS).rglob("*.py")):
        parts = path.relative_to(root / PLUG_INS).parts
        package = PLUG_INS if len(parts) == 1 else f"{PLUG_INS}.{parts[0]}"
        grouped.setdefault(package, []).append(path)
    found = [PackageCatalog(CORE_PACKAGE, core, root)]
    for package, files in sorted(grouped.items()):
        candidate = PackageCatalog(package, tuple(files), root)
        if candidate.locale.is_dir() or candidate.found():
            found.append(candidate)
    return tuple(found)


def key_of(message_id: object) -> str:
    """The key a catalog files ``message_id`` under: a counted text's singular."""
    return str(message_id[0]) if isinstance(message_id, (tuple, list)) else str(message_id)


def translated(string: object) -> bool:
    """True when a catalog entry's ``msgstr`` (every form of a counted text) is filled in."""
    forms = string if isinstance(string, (tuple, list)) else (string,)
    return bool(forms) and all(forms)


def core_catalog(root: Path = ROOT) -> PackageCatalog:
    """The catalog of ``bot/`` and ``dialogs/``."""
    return catalogs(root)[0]


def _marked(path: Path, root: Path) -> list[Found]:
    """Messages marked in one file: by Babel's extractor, with ``N_`` as the only keyword, and
    ``N_("...")`` inside f-strings, which Babel cannot see before Python 3.12."""
    relative = path.relative_to(root).as_posix()
    found: list[Found] = []
    for lineno, message, _comments, _context in extract_from_file(
        "python", path, keywords={KEYWORD: None, PLURAL_KEYWORD: (1, 2)}
    ):
        if isinstance(message, str) and message:
            found.append((relative, lineno, message))
        elif isinstance(message, tuple) and len(message) == 2 and all(message):
            found.append((relative, lineno, (str(message[0]), str(message[1]))))
    if sys.version_info < (3, 12):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for fstring in (n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)):
            for node in ast.walk(fstring):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == KEYWORD
                    and len(node.args) == 1
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.append((relative, node.lineno, node.args[0].value))
    return found


def _read(path: Path, language: str | None) -> Catalog | None:
    """The catalog stored at ``path``, or None when there is none yet."""
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def _write(path: Path, catalog: Catalog) -> None:
    """Write ``catalog`` as a .po/.pot file without line numbers (quieter diffs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, include_lineno=False)


MessageString = str | tuple[str, ...] | list[str] | None  # a msgstr, or a counted text's forms
Known = dict[str, MessageString]  # message key -> its msgstr


def _known(found: tuple[PackageCatalog, ...], language: str) -> Known:
    """Every translation into ``language`` stored in any catalog, obsolete ones included."""
    known: Known = {}
    for catalog in found:
        stored = _read(catalog.path(language), language)
        if stored is not None:
            for message in [*stored.obsolete.values(), *stored]:
                if message.id and translated(message.string) and not message.fuzzy:
                    known[_identity(message.id)] = message.string
    return known


def _identity(message_id: object) -> str:
    """A key that tells a counted text from a plain one with the same singular."""
    if isinstance(message_id, (tuple, list)):
        return "\x00".join(str(part) for part in message_id)
    return str(message_id)


def update(
    catalog: PackageCatalog,
    known: dict[str, Known] | None = None,
    elsewhere: frozenset[str] = frozenset(),
) -> dict[str, list[str]]:
    """Rewrite one package's .pot and update its .po files; return untranslated ids per language.

    A text new to this catalog takes a translation ``known`` from another (it moved, or is
    shared); an obsolete entry whose text lives on ``elsewhere`` (another catalog) is dropped."""
    template = catalog.extract()
    previous = _read(catalog.template, None)
    if previous is not None and {m.id for m in previous} == {m.id for m in template}:
        template.creation_date = previous.creation_date  # unchanged: no churn in the header
    _write(catalog.template, template)
    missing: dict[str, list[str]] = {}
    for language in LANGUAGES:
        path = catalog.path(language)
        stored = _read(path, language)
        if stored is None:
            stored = Catalog(language, DOMAIN, HEADER, project="concernbot", fuzzy=False)
        # A copy: Babel adds the template's own message objects, filled in below.
        stored.update(copy.deepcopy(template), no_fuzzy_matching=language == SOURCE_LANGUAGE)
        stale = [
            k for k, m in stored.obsolete.items() if not translated(m.string) or k in elsewhere
        ]
        for key in stale:
            del stored.obsolete[key]  # an obsolete entry without a translation keeps nothing
        translations = (known or {}).get(language, {})
        for message in stored:
            found = translations.get(_identity(message.id))
            if message.id and not translated(message.string) and found is not None:
                message.string = found
                message.flags.discard("fuzzy")
        _write(path, stored)
        missing[language] = sorted(
            key_of(m.id) for m in stored if m.id and (m.fuzzy or not translated(m.string))
        )
    return missing


def main() -> int:
    """Update every catalog and report what is still to be translated into Dutch."""
    found = catalogs()
    known = {language: _known(found, language) for language in LANGUAGES}
    live = {catalog.package: {key_of(m) for _, _, m in catalog.found()} for catalog in found}
    for catalog in found:
        elsewhere = frozenset().union(*(ids for p, ids in live.items() if p != catalog.package))
        missing = update(catalog, known, elsewhere)
        print(f"updated {catalog.locale.relative_to(ROOT)}: {', '.join(LANGUAGES)}")
        for message in missing.get("nl", []):
            print(
                f"  nl needs a translation in {catalog.path('nl').relative_to(ROOT)}: {message!r}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
