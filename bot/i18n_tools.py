"""Message extraction: keep concernbot.pot and the nl/en catalogs in step with the source."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
PACKAGES: tuple[str, ...] = ("bot", "adapters", "dialogs")
LOCALE = ROOT / "bot" / "locale"
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
KEYWORD = "N_"
SOURCE_LANGUAGE = "en"  # message ids are English, so its catalog stays empty

HEADER = "# Translations template for PROJECT.\n# Updated by `make i18n` (bot/i18n_tools.py).\n#"
Found = tuple[str, int, str]  # (path relative to ROOT, line, message id)


def catalog_path(language: str) -> Path:
    """Where the .po catalog for ``language`` lives."""
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _with_babel(root: Path, package: str) -> list[Found]:
    """Messages found by Babel's Python extractor, with ``N_`` as the only keyword."""
    found: list[Found] = []
    results = extract_from_dir(root / package, [("**.py", "python")], keywords={KEYWORD: None})
    for filename, lineno, message, _comments, _context in results:
        if isinstance(message, str) and message:
            found.append((f"{package}/{filename}", lineno, message))
    return found


def _in_fstrings(root: Path, package: str) -> list[Found]:
    """``N_("...")`` inside f-strings, which Babel cannot see before Python 3.12."""
    found: list[Found] = []
    for path in sorted((root / package).rglob("*.py")):
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
                    relative = path.relative_to(root).as_posix()
                    found.append((relative, node.lineno, node.args[0].value))
    return found


def found_messages(root: Path = ROOT) -> list[Found]:
    """Every marked message in the source packages, ordered by file and line."""
    found: set[Found] = set()
    for package in PACKAGES:
        found.update(_with_babel(root, package))
        if sys.version_info < (3, 12):
            found.update(_in_fstrings(root, package))
    return sorted(found)


def extract(root: Path = ROOT) -> Catalog:
    """Build the template catalog (the .pot) from the source, as it is right now."""
    template = Catalog(domain=DOMAIN, header_comment=HEADER, project="concernbot", fuzzy=False)
    for filename, lineno, message in found_messages(root):
        template.add(message, locations=[(filename, lineno)])
    return template


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


def run() -> dict[str, list[str]]:
    """Rewrite the .pot and update each language's .po; return untranslated ids per language."""
    template = extract()
    previous = _read(TEMPLATE, None)
    if previous is not None and {m.id for m in previous} == {m.id for m in template}:
        template.creation_date = previous.creation_date  # unchanged: no churn in the header
    _write(TEMPLATE, template)
    missing: dict[str, list[str]] = {}
    for language in LANGUAGES:
        path = catalog_path(language)
        catalog = _read(path, language)
        if catalog is None:
            catalog = Catalog(language, DOMAIN, HEADER, project="concernbot", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=language == SOURCE_LANGUAGE)
        for key in [k for k, m in catalog.obsolete.items() if not m.string]:
            del catalog.obsolete[key]  # an obsolete entry without a translation keeps nothing
        _write(path, catalog)
        missing[language] = sorted(str(m.id) for m in catalog if m.id and (m.fuzzy or not m.string))
    return missing


def main() -> int:
    """Run the extraction and report what is still to be translated into Dutch."""
    missing = run()
    print(f"updated {TEMPLATE.relative_to(ROOT)} and the {', '.join(LANGUAGES)} catalogs")
    for message in missing.get("nl", []):
        print(f"  nl needs a translation: {message!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
