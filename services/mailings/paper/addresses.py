"""Postal addresses written the French way (NF Z 10-011): at most six lines of 38 characters, the city in capitals."""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pycountry

MAX_LINES = 6
MAX_CHARS = 38
# La Poste's 5-digit codes: 01-95 for metropolitan départements (Corsica stays 20xxx), 97/98 overseas and Monaco.
FRENCH_POSTAL_CODE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-8])\d{3}")
# The overseas départements and collectivités that La Poste serves as France: French postal codes (97x, 98x),
# no country line from France, whichever ISO code a client's address uses.
FRENCH_POSTAL_AREAS = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"})
# Where the locality is written before its postal code; elsewhere the French order (code, then city) is the norm.
CITY_BEFORE_CODE = frozenset({"GB", "IE", "US", "CA", "AU", "NZ"})
# La Poste's standard abbreviations, used only when a line is too long, before anything is cut.
ABBREVIATIONS = (
    ("APPARTEMENT", "APP"),
    ("AVENUE", "AV"),
    ("BATIMENT", "BAT"),
    ("BÂTIMENT", "BAT"),
    ("BOULEVARD", "BD"),
    ("CHEMIN", "CHE"),
    ("FAUBOURG", "FG"),
    ("IMPASSE", "IMP"),
    ("LIEU-DIT", "LD"),
    ("PLACE", "PL"),
    ("RESIDENCE", "RES"),
    ("RÉSIDENCE", "RES"),
    ("ROUTE", "RTE"),
    ("SAINTE", "STE"),
    ("SAINT", "ST"),
    ("SQUARE", "SQ"),
    ("ESCALIER", "ESC"),
    ("QUARTIER", "QUA"),
)
_ABBREVIATION = dict(ABBREVIATIONS)
_ABBREVIABLE = re.compile(r"\b(" + "|".join(re.escape(long) for long, _ in ABBREVIATIONS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class PostalAddress:
    """A recipient as printed: name line(s), address lines, postal code, city and ISO 3166 country code."""

    name_lines: tuple[str, ...]
    lines: tuple[str, ...]
    postal_code: str | None
    city: str | None
    country_code: str


def _clean(text: str | None) -> str:
    """One printable line: whitespace (line breaks included) collapsed, control characters dropped."""
    if not text:
        return ""
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n\r")
    return " ".join(text.split())


def _without_accents(text: str) -> str:
    """The text with its diacritics removed (É -> E); Œ and Æ are letters of their own, kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


@cache
def _french_names() -> gettext.NullTranslations:
    """pycountry's French translation of the ISO 3166 names."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)


def country_name(country_code: str) -> str:
    """The country's French name in capitals without accents, as La Poste asks for mail leaving France."""
    country = pycountry.countries.get(alpha_2=country_code.upper())
    if country is None:
        return country_code.upper()
    names = _french_names()
    common = getattr(country, "common_name", None)
    name = names.gettext(common) if common and names.gettext(common) != common else names.gettext(country.name)
    # ISO lists some names inverted ("Corée, République de"); on an envelope they read the natural way.
    head, comma, tail = name.partition(", ")
    if comma and (tail.endswith("'") or tail.rsplit(" ", 1)[-1] in ("de", "du", "des", "la", "le")):
        name = tail + head if tail.endswith("'") else f"{tail} {head}"
    return _without_accents(name).upper()


def _shorten(line: str, limit: int = MAX_CHARS) -> str:
    """The line within ``limit`` characters: La Poste's abbreviations first, then a cut at a word boundary."""
    if len(line) <= limit:
        return line
    line = _ABBREVIABLE.sub(lambda m: _ABBREVIATION.get(m.group(1).upper(), m.group(1)), line)
    if len(line) <= limit:
        return line
    cut = line[: limit + 1].rsplit(" ", 1)[0] if " " in line[: limit + 1] else ""
    # A word boundary that throws away more than a third of the line loses more than a hard cut does.
    return cut.rstrip(" ,-") if len(cut) >= limit * 2 // 3 else line[:limit].rstrip(" ,-")


def _same_postal_area(country: str, sender_country: str) -> bool:
    """Whether a letter from ``sender_country`` to ``country`` stays within one postal service (no country line)."""
    return country == sender_country or {country, sender_country} <= FRENCH_POSTAL_AREAS


def _country(address: PostalAddress) -> str:
    """The address's ISO country code, as typed or not."""
    return (address.country_code or "").strip().upper()


def _locality_line(address: PostalAddress) -> str:
    """The postal code and the city in capitals; the city is cut if needed, never the postal code."""
    city = _clean(address.city).upper()
    code = _clean(address.postal_code).upper()[:MAX_CHARS]
    if _country(address) in FRENCH_POSTAL_AREAS:
        city = _without_accents(city)
    if not code or not city:
        return _shorten(city) or code
    city = _shorten(city, MAX_CHARS - len(code) - 1) if len(code) < MAX_CHARS - 1 else ""
    if _country(address) in CITY_BEFORE_CODE:
        return f"{city} {code}".strip()
    return f"{code} {city}".strip()


def postal_lines(address: PostalAddress, *, sender_country: str = "FR") -> list[str]:
    """The address as printed, the French postal way: names, address lines, "CODE CITY", the country when abroad."""
    country = _country(address)
    tail = [_locality_line(address)]
    if not _same_postal_area(country, sender_country.upper()):
        tail.append(_shorten(country_name(country)))
    names = [_shorten(line) for line in map(_clean, address.name_lines) if line]
    lines = [_shorten(line) for line in map(_clean, address.lines) if line]
    room = MAX_LINES - len(tail)
    # Too many lines: a second name line (contact, department) goes before any address line, and the first
    # address line (usually the street) is the last to go; the locality line and the country are never dropped.
    while len(names) + len(lines) > room and len(names) > 1:
        names.pop()
    while len(names) + len(lines) > room and len(lines) > 1:
        lines.pop()
    return [line for line in names + lines + tail if line]


def is_abroad(address: PostalAddress, *, sender_country: str = "FR") -> bool:
    """Whether the address ends with a country line when posted from ``sender_country``."""
    return not _same_postal_area(_country(address), sender_country.upper())


def deliverability_problem(address: PostalAddress) -> str | None:
    """None when the address can be printed and posted, else a short reason."""
    country = _country(address)
    if not any(_clean(line) for line in address.name_lines):  # a label to nobody: La Poste returns it
        return "no name"
    if not any(_clean(line) for line in address.lines):
        return "no address line"
    if len(country) != 2 or pycountry.countries.get(alpha_2=country) is None:
        return "unknown country"
    code = _clean(address.postal_code)
    if country in FRENCH_POSTAL_AREAS:
        if not code:
            return "no postal code"
        if not FRENCH_POSTAL_CODE.fullmatch(code):
            return "invalid French postal code"
    if not _clean(address.city):
        return "no city"
    return None
