"""Translations through gettext catalogs (Babel's .po files, compiled in memory).

The core's texts are in ``bot/locale``; a package with texts of its own (a channel) keeps them
in its own ``locale/<language>/LC_MESSAGES/concernbot.po`` and calls ``register_catalog`` from its
``__init__``, so ``translator`` finds them without the core knowing the package.
"""

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
CORE_PACKAGE = "bot"

_packages: list[str] = [CORE_PACKAGE]


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message


def normalise_language(code: str | None) -> str:
    """Map a platform language code (``nl-BE``, ``en_GB``) to a supported language."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def register_catalog(package: str) -> None:
    """Let ``translator`` also look up the texts of ``package`` (a dotted name) in its catalog."""
    if package not in _packages:
        _packages.append(package)


def registered_packages() -> tuple[str, ...]:
    """The packages whose catalogs ``translator`` consults, the core's first."""
    return tuple(_packages)


@cache
def compiled(package: str, language: str) -> bytes | None:
    """The catalog of ``package`` for ``language`` as .mo bytes, or None when it has none."""
    path = resources.files(package) / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


@cache
def _chain(language: str, packages: tuple[str, ...]) -> gettext.NullTranslations:
    """One translation object per package catalog, each falling back on the next."""
    chain: gettext.NullTranslations | None = None
    for package in packages:
        mo = compiled(package, language)
        if mo is None:
            continue
        found = gettext.GNUTranslations(BytesIO(mo))
        if chain is None:
            chain = found
        else:
            chain.add_fallback(found)
    return chain or gettext.NullTranslations()


def translator(language: str | None) -> Translate:
    """Return the ``gettext`` function for ``language`` (falls back to the default)."""
    return _chain(normalise_language(language), registered_packages()).gettext
