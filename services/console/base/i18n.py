"""Languages of the console: gettext catalogues (Babel) and French ways of writing amounts and dates."""

from __future__ import annotations

import functools
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

# The messages are written in French in the code and the templates; each other language has a catalogue.
SOURCE_LANGUAGE = "fr"
LANGUAGES = {"fr": "Français", "en": "English"}
# Dates as 01/12/2026 in both: the console's users write dates the European way.
_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


@functools.cache
def translations(language: str) -> NullTranslations:
    """The catalogue of a language, compiled from its .po file once per process."""
    if language == SOURCE_LANGUAGE or language not in LANGUAGES:
        return NullTranslations()
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is defined; it is translated where it is shown."""
    return message


def pick_language(requested: str | None) -> str:
    """A language the console has, French when the request names none of them."""
    return requested if requested in LANGUAGES else SOURCE_LANGUAGE


@functools.cache
def _locale(language: str) -> Locale:
    # Parsed once: a page writes hundreds of amounts, and parsing the locale each time was most of it.
    return Locale.parse(_LOCALES[pick_language(language)])


def _plain_spaces(text: str) -> str:
    # Babel writes the CLDR's narrow no-break spaces; the page keeps amounts on one line with CSS
    # instead, so that what the user copies is what they would type.
    return text.replace("\u202f", " ").replace("\xa0", " ")


def money(cents: int | None, currency: str = "EUR", *, language: str = SOURCE_LANGUAGE) -> str:
    """Cents as the user's language writes an amount: 135248 → '1 352,48 €'."""
    if cents is None:
        return ""
    amount = Decimal(int(cents)) / 100
    return _plain_spaces(format_currency(amount, currency, locale=_locale(language)))


def decimal_amount(text: str | None, currency: str = "EUR", *, language: str = SOURCE_LANGUAGE) -> str:
    """An amount the API gives as a decimal string ('1352.48'), written like money()."""
    if text in (None, ""):
        return ""
    return _plain_spaces(format_currency(Decimal(str(text)), currency, locale=_locale(language)))


def number(value: int | float | Decimal | None, *, language: str = SOURCE_LANGUAGE) -> str:
    """A count or a quantity with the language's separators: 12345 → '12 345'."""
    if value is None:
        return ""
    return _plain_spaces(format_decimal(value, locale=_locale(language)))


def _as_datetime(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def day(value: str | date | datetime | None, *, zone: str = "Europe/Paris", language: str = SOURCE_LANGUAGE) -> str:
    """A day as 01/12/2026; an instant is first placed in the account's time zone."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(zone))
    # All digits, in the same order in both languages: no locale data is needed to write it.
    return value.strftime("%d/%m/%Y")


def moment(value: str | datetime | None, *, zone: str = "Europe/Paris", language: str = SOURCE_LANGUAGE) -> str:
    """An instant as 01/12/2026 14:05 in the account's time zone."""
    if value in (None, ""):
        return ""
    instant = _as_datetime(value)
    if instant.tzinfo is not None:
        instant = instant.astimezone(ZoneInfo(zone))
    return instant.strftime("%d/%m/%Y %H:%M")


def language_name(language: str) -> str:
    """A language's own name for itself."""
    return _locale(language).get_display_name() or language
