"""Field validators shared by the clients service's request schemas."""

from __future__ import annotations

import re
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

FRENCH_POSTAL_CODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
PHONE = re.compile(r"^\+?[0-9 ().\-/]{4,30}$")
DB_BIGINT_MAX = 2**63 - 1


def _blank_to_none(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _country(value: str) -> str:
    code = value.upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return code


def _phone(value: str) -> str:
    if not PHONE.match(value) or sum(c.isdigit() for c in value) < 4:
        raise ValueError("not a phone number")
    return value


def check_postal_code(postal_code: str | None, country_code: str | None) -> str | None:
    """French (and Monaco) postal codes are five digits of a real department."""
    if postal_code is None:
        return None
    if country_code in ("FR", "MC", None) and not FRENCH_POSTAL_CODE.match(postal_code):
        raise ValueError("a French postal code has five digits, e.g. 33000")
    return postal_code


def optional_text(max_length: int, **constraints: object) -> object:
    """An optional string: blank becomes None; limits apply to the text, never to None."""
    bounded = Annotated[str, StringConstraints(max_length=max_length, **constraints)]  # type: ignore[arg-type]
    return Annotated[bounded | None, BeforeValidator(_blank_to_none), Field(default=None)]


Text30 = optional_text(30)
Text100 = optional_text(100)
Text200 = optional_text(200)
Text500 = optional_text(500)
Note = optional_text(5000)
CountryCode = Annotated[
    str, BeforeValidator(_blank_to_none), AfterValidator(_country), Field(min_length=2, max_length=2, examples=["FR"])
]
Phone = Annotated[optional_text(30), AfterValidator(lambda v: None if v is None else _phone(v))]
Id = Annotated[int, Field(ge=1, le=DB_BIGINT_MAX)]
