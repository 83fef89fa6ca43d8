"""Request and response bodies of the seller profile."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from services.orders.seller.domain import DEFAULT_LATE_PENALTY_RATE, DEFAULT_PAYMENT_TERMS_DAYS
from shared.company_identifiers import check_siren, check_siret, check_vat_number


def _blank_to_none(value: object) -> object:
    if isinstance(value, str):
        return value.strip() or None
    return value


Text30 = Annotated[
    Annotated[str, StringConstraints(max_length=30)] | None, BeforeValidator(_blank_to_none), Field(default=None)
]
Text50 = Annotated[
    Annotated[str, StringConstraints(max_length=50)] | None, BeforeValidator(_blank_to_none), Field(default=None)
]
Text100 = Annotated[
    Annotated[str, StringConstraints(max_length=100)] | None, BeforeValidator(_blank_to_none), Field(default=None)
]
Text200 = Annotated[
    Annotated[str, StringConstraints(max_length=200)] | None, BeforeValidator(_blank_to_none), Field(default=None)
]
Text300 = Annotated[
    Annotated[str, StringConstraints(max_length=300)] | None, BeforeValidator(_blank_to_none), Field(default=None)
]
AddressLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SirenText = Annotated[Text30, AfterValidator(check_siren), Field(examples=["732829320"])]
SiretText = Annotated[Text30, AfterValidator(check_siret), Field(examples=["73282932000074"])]
VatNumberText = Annotated[Text30, AfterValidator(check_vat_number), Field(examples=["FR44732829320"])]
IbanText = Annotated[
    Annotated[str, StringConstraints(max_length=42, pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9 ]{8,36}$")] | None,
    BeforeValidator(_blank_to_none),
    Field(default=None, examples=["FR76 3000 6000 0112 3456 7890 189"]),
]


class SellerProfileWrite(BaseModel):
    """The whole profile (PUT replaces it; the logo has its own route). Incomplete is allowed: invoicing says what
    is missing."""

    model_config = ConfigDict(extra="forbid")

    legal_name: Text200 = Field(default=None, examples=["Domaine des Chartrons"])
    legal_form: Text50 = Field(default=None, examples=["SAS"])
    address_lines: list[AddressLine] = Field(default_factory=list, max_length=3, examples=[["12 quai des Chartrons"]])
    postal_code: Annotated[
        Annotated[str, StringConstraints(max_length=16, pattern=r"^[A-Za-z0-9 -]+$")] | None,
        BeforeValidator(_blank_to_none),
        Field(default=None, examples=["33000"]),
    ]
    city: Text100 = None
    country_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "FR"
    siren: SirenText = None
    siret: SiretText = None
    vat_number: VatNumberText = None
    rcs_city: Text100 = Field(default=None, description="The city of the RCS registry (RCS Bordeaux ...)")
    share_capital_cents: int | None = Field(default=None, ge=0, le=2**63 - 1)
    email: Annotated[
        Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None,
        BeforeValidator(_blank_to_none),
        Field(default=None),
    ]
    phone: Annotated[
        Annotated[str, StringConstraints(max_length=30, pattern=r"^\+?[0-9 ().\-/]{4,30}$")] | None,
        BeforeValidator(_blank_to_none),
        Field(default=None),
    ]
    iban: IbanText = None
    payment_terms_days: int = Field(default=DEFAULT_PAYMENT_TERMS_DAYS, ge=0, le=365)
    payment_terms_text: Text300 = Field(
        default=None, description="Printed as the payment terms; by default they are said from the days"
    )
    late_penalty_rate: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] = (
        DEFAULT_LATE_PENALTY_RATE
    )
    vat_exemption: Text300 = Field(
        default=None, description="The legal mention of a VAT exemption (e.g. art. 262 ter I du CGI)"
    )


class SellerProfileRead(BaseModel):
    """The seller profile, what an invoice still lacks of it, and whether it has a logo."""

    legal_name: str | None
    legal_form: str | None
    address_lines: list[str]
    postal_code: str | None
    city: str | None
    country_code: str
    siren: str | None
    siret: str | None
    vat_number: str | None
    rcs_city: str | None
    share_capital_cents: int | None
    email: str | None
    phone: str | None
    iban: str | None
    payment_terms_days: int
    payment_terms_text: str | None
    late_penalty_rate: str
    vat_exemption: str | None
    has_logo: bool
    missing_for_invoices: list[str] = Field(description="The fields an invoice needs that the profile lacks")
    updated_at: datetime | None
