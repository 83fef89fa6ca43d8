"""Field validators shared by the clients service's request schemas."""

from __future__ import annotations

import re
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from shared.company_identifiers import check_siren, check_siret, check_vat_number

FRENCH_POSTAL_CODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
PHONE = re.compile(r"^\+?[0-9 ().\-/]{4,30}$")
DB_BIGINT_MAX = 2**63 - 1


def blank_to_none(value: object) -> object:
    """Strip text; blank text becomes None, so an emptied field clears the value."""
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


# Optional strings: blank becomes None; limits apply to the text, never to None. Each is spelled out
# rather than built by a function, so that type checkers see a type and not a value.
Text30 = Annotated[
    Annotated[str, StringConstraints(max_length=30)] | None, BeforeValidator(blank_to_none), Field(default=None)
]
Text100 = Annotated[
    Annotated[str, StringConstraints(max_length=100)] | None, BeforeValidator(blank_to_none), Field(default=None)
]
Text200 = Annotated[
    Annotated[str, StringConstraints(max_length=200)] | None, BeforeValidator(blank_to_none), Field(default=None)
]
Text500 = Annotated[
    Annotated[str, StringConstraints(max_length=500)] | None, BeforeValidator(blank_to_none), Field(default=None)
]
Note = Annotated[
    Annotated[str, StringConstraints(max_length=5000)] | None, BeforeValidator(blank_to_none), Field(default=None)
]
PostalCodeText = Annotated[
    Annotated[str, StringConstraints(max_length=16)] | None, BeforeValidator(blank_to_none), Field(default=None)
]
AccountingCodeText = Annotated[
    Annotated[str, StringConstraints(max_length=30, pattern=r"^[A-Za-z0-9]+$")] | None,
    BeforeValidator(blank_to_none),
    Field(default=None),
]
CountryCode = Annotated[
    str, BeforeValidator(blank_to_none), AfterValidator(_country), Field(min_length=2, max_length=2, examples=["FR"])
]
LegalFormText = Annotated[
    Annotated[str, StringConstraints(max_length=50)] | None,
    BeforeValidator(blank_to_none),
    Field(default=None, examples=["SARL"]),
]
# Room for the separators people type ("FR 40 303.265.045"); the checked compact form is shorter.
SirenText = Annotated[Text30, AfterValidator(check_siren), Field(examples=["732829320"])]
SiretText = Annotated[Text30, AfterValidator(check_siret), Field(examples=["73282932000074"])]
VatNumberText = Annotated[Text30, AfterValidator(check_vat_number), Field(examples=["FR40303265045"])]
Phone = Annotated[Text30, AfterValidator(lambda v: None if v is None else _phone(v))]
Id = Annotated[int, Field(ge=1, le=DB_BIGINT_MAX)]
