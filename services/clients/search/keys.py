"""Search keys stored on each client, and the same normalisation applied to what users type."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.text import fold

SEPARATOR = " | "  # between fields, so a typed phrase does not match across two names
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_NOT_DIGIT = re.compile(r"\D+")


def phone_key(text: str | None) -> str:
    """Digits of a phone number in French national form: '+33 6 12 34 56 78' -> '0612345678'."""
    if not text:
        return ""
    digits = _NOT_DIGIT.sub("", text)
    international = text.lstrip().startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if international and digits.startswith("33"):
        return "0" + digits[2:]
    # Other countries keep their calling code behind the international '00' prefix.
    return "00" + digits if international else digits


def words_key(text: str | None) -> str:
    """Folded words, punctuation dropped: 'Saint-Émilion', "saint emilion" and "L'Œillet" -> 'l oeillet'."""
    return " ".join(_NOT_ALNUM.sub(" ", fold(text)).split())


def place_key(text: str | None) -> str:
    """A city as the prefix search compares it."""
    return words_key(text)


@dataclass(frozen=True, slots=True)
class PersonNames:
    """The name and reachability fields of a client or of one of its contacts."""

    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None


@dataclass(frozen=True, slots=True)
class SearchKeys:
    """What the search indexes hold for one client."""

    names: str
    emails: str
    phones: str
    city: str


def person_names(row: Any) -> PersonNames:
    """The searchable fields of a client or contact row (a contact has no company name)."""
    return PersonNames(**{name: getattr(row, name, None) for name in PersonNames.__slots__})


def _joined(values: Iterable[str]) -> str:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return SEPARATOR.join(seen)


def search_keys(client: PersonNames, contacts: Iterable[PersonNames], *, city: str | None) -> SearchKeys:
    """Keys for a client with its contacts: names, e-mails and phones of both are found."""
    people = [client, *contacts]
    return SearchKeys(
        names=_joined(words_key(" ".join(p for p in (x.first_name, x.last_name, x.company_name) if p)) for x in people),
        emails=_joined(fold(x.email) for x in people),
        phones=_joined(key for x in people for key in (phone_key(x.phone), phone_key(x.mobile))),
        city=place_key(city),
    )
