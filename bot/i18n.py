"""Translations through gettext catalogs (Babel's .po files, compiled in memory).

The core's texts are in ``bot/locale``; a package with texts of its own (a channel) keeps them
in its own ``locale/<language>/LC_MESSAGES/concernbot.po`` and calls ``register_catalog`` from its
``__init__``, so ``translator`` finds them without the core knowing the package.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from io import BytesIO
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.units import format_unit

Translate = Callable[[str], str]

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
DOMAIN = "concernbot"
CORE_PACKAGE = "bot"

_packages: list[str] = [CORE_PACKAGE]


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message


@dataclass(frozen=True)
class Plural:
    """A counted text: its English singular and plural, looked up with ``ngettext``."""

    singular: str
    plural: str


def N_plural(singular: str, plural: str) -> Plural:
    """Mark a counted text (``msgid`` and ``msgid_plural``) for extraction."""
    return Plural(singular, plural)


@dataclass(frozen=True)
class Translator:
    """The ``gettext`` of one language, callable as a ``Translate``, with ``ngettext`` beside."""

    translations: gettext.NullTranslations
    language: str = DEFAULT_LANGUAGE

    def __call__(self, message: str) -> str:
        """The translation of ``message``."""
        return self.translations.gettext(message)

    def count(self, text: Plural, count: int) -> str:
        """The form of ``text`` for ``count`` in this language (not yet formatted)."""
        return self.translations.ngettext(text.singular, text.plural, count)


def ngettext(t: Translate, text: Plural, count: int) -> str:
    """The form of ``text`` for ``count`` through ``t``; a plain callable gets English rules."""
    if isinstance(t, Translator):
        return t.count(text, count)
    return t(text.singular if count == 1 else text.plural)


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
    found = normalise_language(language)
    return Translator(_chain(found, registered_packages()), found)


def language_of(t: Translate) -> str:
    """The language ``t`` translates into; a plain callable (a test's) speaks English."""
    return t.language if isinstance(t, Translator) else "en"


def for_people(moment: datetime, zone: str, t: Translate) -> str:
    """A moment as people read it, in ``t``'s language and ``zone``: ``15 december, 19:44``."""
    local = moment.astimezone(ZoneInfo(zone))
    return format_datetime(local, "d MMMM, HH:mm", tzinfo=ZoneInfo(zone), locale=language_of(t))


def duration(t: Translate, *, minutes: int = 0, hours: int = 0, days: int = 0) -> str:
    """A whole number of minutes, hours or days in words: ``2 minuten``, ``1 hour``."""
    amount, unit = (days, "day") if days else (hours, "hour") if hours else (minutes, "minute")
    return format_unit(amount, f"duration-{unit}", length="long", locale=language_of(t))
