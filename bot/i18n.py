"""Translations through gettext catalogs (Babel's .po files, compiled in memory)."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

Translate = Callable[[str], str]

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
DOMAIN = "concernbot"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message


def normalise_language(code: str | None) -> str:
    """Map a platform language code (``nl-BE``, ``en_GB``) to a supported language."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    path = resources.files("bot") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translator(language: str | None) -> Translate:
    """Return the ``gettext`` function for ``language`` (falls back to the default)."""
    return _catalog(normalise_language(language)).gettext
