"""Search terms and the value parser of every field: the one meaning behind `q` and the parameters.

A search is a conjunction of terms. A term names a field, holds one or more values
(any of them may match: 'dept:33,24') and may be negated ('-tag:vip').
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from services.clients.search.keys import phone_key, place_key, words_key
from shared.schemas import CALENDAR_RANGE, in_calendar
from shared.text import fold

MAX_VALUES = 100  # per term: an id list longer than this belongs in a saved segment or a POST body


class BadValue(ValueError):
    """A value that its field cannot take; the message is shown to the user."""


@dataclass(frozen=True, slots=True)
class Range:
    """Inclusive bounds; None is open. Dates are [low, high) once resolved, see ``date_range``."""

    low: Any = None
    high: Any = None


@dataclass(frozen=True, slots=True)
class Term:
    """One condition of a search: field, values (any of), negation."""

    field: str
    values: tuple[Any, ...]
    negated: bool = False
    # Where the term came from, to name it in an error found later (an unknown tag name...).
    param: str = "q"
    position: int | None = None


def _words(raw: str) -> str:
    value = words_key(raw)
    if not value:
        raise BadValue("needs letters or digits")
    return value


def _email(raw: str) -> str:
    value = fold(raw)
    if not value:
        raise BadValue("needs part of an e-mail address")
    return value


def _reference(raw: str) -> str:
    value = raw.strip().upper()
    if not value:
        raise BadValue("needs a number or part of it")
    return value


def _phone(raw: str) -> str:
    value = phone_key(raw)
    if len(value) < 2:
        raise BadValue("a phone number needs at least 2 digits")
    return value


def _postal_code(raw: str) -> str:
    value = "".join(raw.split()).upper()
    if not value or not value.isalnum() or len(value) > 16:
        raise BadValue("a postal code (or its beginning) is letters and digits, at most 16")
    return value


_PHONE_CHARACTERS = re.compile(r"[\d\s.\-+()/]+")
_POSTAL_CODE = re.compile(r"[0-9A-Z]{2,16}")


@dataclass(frozen=True, slots=True)
class AnyText:
    """A word typed in the search box, in the form each field compares it in: it may match any of them.

    ``phone`` and ``postal_code`` are set only when the word can be one (digits, in any notation),
    ``reference`` only when it has a digit (an order, invoice or accounting number); a word with an
    @ can only be (part of) an e-mail address, so its ``words`` and ``code`` are empty.
    """

    words: str
    email: str
    code: str
    phone: str | None = None
    postal_code: str | None = None
    reference: str | None = None


def _any(raw: str) -> AnyText:
    words, email = words_key(raw), fold(raw).replace(" ", "")
    if not words:
        raise BadValue("needs letters or digits")
    if "@" in email:
        return AnyText(words="", email=email, code="")
    code = "".join(words.split()).upper()
    digits = sum(c.isdigit() for c in raw)
    phone = phone_key(raw) if digits >= 2 and _PHONE_CHARACTERS.fullmatch(raw.strip()) else None
    postal = code if digits and _POSTAL_CODE.fullmatch(code) else None
    reference = raw.strip().upper() if digits else None
    return AnyText(words=words, email=email, code=code, phone=phone, postal_code=postal, reference=reference)


def _department(raw: str) -> tuple[str, ...]:
    value = raw.strip().upper()
    # Corsica's departments share the postal codes 20xxx: 2A is 200-201, 2B is 202-206.
    if value == "2A":
        return ("200", "201")
    if value == "2B":
        return ("202", "203", "204", "205", "206")
    if re.fullmatch(r"\d{2,3}", value):
        return (value,)
    raise BadValue("a department is 2 digits, 3 for overseas (971...) or 2A/2B")


def _city(raw: str) -> str:
    value = place_key(raw)
    if not value:
        raise BadValue("needs a city name or its beginning")
    return value


def _country(raw: str) -> str:
    value = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise BadValue("a country is its ISO 3166 two-letter code, such as FR or BE")
    return value


def _label(raw: str) -> int | str:
    """A category or tag: its id, or its name (resolved against the account's labels later)."""
    value = raw.strip()
    if value.isdigit():
        return _id(value)
    if not value:
        raise BadValue("needs a name or an id")
    return fold(value)


def _id(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadValue("an id is a whole number") from None
    if not 0 < value <= 2**63 - 1:
        raise BadValue("an id is a positive whole number")
    return value


def _count(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadValue("a number of orders is a whole number") from None
    if not 0 <= value <= 2**31 - 1:
        raise BadValue("a number of orders is between 0 and 2147483647")
    return value


def _money(raw: str) -> int:
    """Euros with a comma or a dot, at most 2 decimals, to cents: '1 200,50' -> 120050."""
    text = "".join(raw.split()).replace(",", ".").removesuffix("€")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BadValue("an amount is a number of euros, such as 1200 or 1200,50") from None
    # The ignore: the exponent is a letter only for NaN and infinities, which is_finite() has turned away.
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) >= 10**16:  # type: ignore[operator]
        raise BadValue("an amount has at most 2 decimals and 16 digits")
    return int(amount * 100)


_DATE_FORMS = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), "day", (1, 2, 3)),
    (re.compile(r"(\d{2})/(\d{2})/(\d{4})"), "day", (3, 2, 1)),
    (re.compile(r"(\d{4})-(\d{2})"), "month", (1, 2)),
    (re.compile(r"(\d{2})/(\d{4})"), "month", (2, 1)),
    (re.compile(r"(\d{4})"), "year", (1,)),
)


def date_span(raw: str) -> tuple[date, date]:
    """The days a date names, as [first, after-last): a day, a month ('2026-03') or a year ('2026')."""
    text = raw.strip()
    for pattern, unit, groups in _DATE_FORMS:
        match = pattern.fullmatch(text)
        if match:
            parts = [int(match.group(g)) for g in groups]
            try:
                first = date(parts[0], parts[1] if unit != "year" else 1, parts[2] if unit == "day" else 1)
            except ValueError:
                raise BadValue(f"{text!r} is not a date of the calendar") from None
            # Checked before any arithmetic or time zone: the day after 9999-12-31 does not exist in Python.
            if not in_calendar(first):
                raise BadValue(f"a date must be {CALENDAR_RANGE}")
            if unit == "day":
                return first, first + timedelta(days=1)
            if unit == "month":
                return first, date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
            return first, date(parts[0] + 1, 1, 1)
    raise BadValue("a date is 2026-03-31, 31/03/2026, 2026-03 or 2026")


def _flag(raw: str) -> bool:
    value = fold(raw)
    if value in {"yes", "oui", "true", "1", "y", "o"}:
        return True
    if value in {"no", "non", "false", "0", "n"}:
        return False
    raise BadValue("answer yes or no")


def _status(raw: str) -> str:
    value = fold(raw)
    aliases = {"client": "client", "clients": "client", "prospect": "prospect", "prospects": "prospect"}
    if value not in aliases:
        raise BadValue("a status is client or prospect")
    return aliases[value]


def _has(raw: str) -> str:
    value = fold(raw)
    aliases = {
        "email": "email",
        "e-mail": "email",
        "mail": "email",
        "phone": "phone",
        "tel": "phone",
        "telephone": "phone",
        "address": "address",
        "adresse": "address",
    }
    if value not in aliases:
        raise BadValue("has: takes email, phone or address")
    return aliases[value]


@dataclass(frozen=True, slots=True)
class Field:
    """How a field's values are read; ``ranged`` fields take comparisons and 'a..b'."""

    parse: Callable[[str], Any]
    ranged: bool = False
    dates: bool = False


FIELDS: dict[str, Field] = {
    "any": Field(_any),
    "name": Field(_words),
    "email": Field(_email),
    "phone": Field(_phone),
    "postal_code": Field(_postal_code),
    "department": Field(_department),
    "city": Field(_city),
    "country": Field(_country),
    "category": Field(_label),
    "price_grid": Field(_label),
    "tag": Field(_label),
    "invoice_number": Field(_reference),
    "order_number": Field(_reference),
    "orders": Field(_count, ranged=True),
    "total": Field(_money, ranged=True),
    "invoiced": Field(date_span, ranged=True, dates=True),
    "created": Field(date_span, ranged=True, dates=True),
    "has": Field(_has),
    "emailing": Field(_flag),
    "mailing": Field(_flag),
    "blocked": Field(_flag),
    "status": Field(_status),
}


def parse_values(field: str, raw: str, *, operator: str = ":") -> tuple[Any, ...]:
    """The values of one term: 'a,b' for any of, 'a..b' or a comparison for ranged fields."""
    spec = FIELDS[field]
    if spec.ranged:
        return (_range(spec, raw, operator),)
    if operator != ":":
        raise BadValue(f"{operator} only applies to orders, total, invoiced and created")
    parts = raw.split(",")
    if len(parts) > MAX_VALUES:
        raise BadValue(f"at most {MAX_VALUES} values in one term")
    values: list[Any] = []
    for part in parts:
        parsed = spec.parse(part)
        values.extend(parsed if isinstance(parsed, tuple) else (parsed,))
    return tuple(values)


def _range(spec: Field, raw: str, operator: str) -> Range:
    if operator == ":" and ".." in raw:
        low_text, _, high_text = raw.partition("..")
        low = _bound(spec, low_text, "low") if low_text.strip() else None
        high = _bound(spec, high_text, "high") if high_text.strip() else None
        if low is None and high is None:
            raise BadValue("a range needs at least one bound: 'a..b', 'a..' or '..b'")
        if low is not None and high is not None and low > high:
            raise BadValue("the range starts after it ends")
        return Range(low, high)
    if operator in (":", "="):
        return Range(_bound(spec, raw, "low"), _bound(spec, raw, "high"))
    if operator == ">=":
        return Range(low=_bound(spec, raw, "low"))
    if operator == "<=":
        return Range(high=_bound(spec, raw, "high"))
    if operator == ">":
        return Range(low=_after(spec, raw))
    return Range(high=_before(spec, raw))  # "<"


def _bound(spec: Field, raw: str, side: str) -> Any:
    """Inclusive bound; a date bound is a day: the first day of a low bound, the last of a high one."""
    if spec.dates:
        first, after = spec.parse(raw)
        return first if side == "low" else after - timedelta(days=1)
    return spec.parse(raw)


def _after(spec: Field, raw: str) -> Any:
    if spec.dates:
        return spec.parse(raw)[1]
    value = spec.parse(raw)
    return value + 1


def _before(spec: Field, raw: str) -> Any:
    if spec.dates:
        return spec.parse(raw)[0] - timedelta(days=1)
    return spec.parse(raw) - 1
