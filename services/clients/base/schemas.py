"""Bodies every slice shares: strict requests, addresses, and a client as the API shows it (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from services.clients.base.validation import (
    CountryCode,
    PostalCodeText,
    Text100,
    blank_to_none,
    check_postal_code,
)
from shared.schemas import StrictBody

Email = Annotated[
    Annotated[EmailStr, StringConstraints(max_length=254)] | None, BeforeValidator(blank_to_none), Field(default=None)
]


class Strict(StrictBody):
    """Unknown fields are errors, so a typo never passes silently."""


class Address(Strict):
    """A postal address; the postal code is checked against the country."""

    country_code: CountryCode = "FR"
    line1: Text100
    line2: Text100
    line3: Text100
    postal_code: PostalCodeText
    city: Text100

    @field_validator("postal_code")
    @classmethod
    def _postal_code_fits_country(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_postal_code(value, info.data.get("country_code"))


class AddressRead(BaseModel):
    """A postal address as stored."""

    line1: str | None
    line2: str | None
    line3: str | None
    postal_code: str | None
    city: str | None
    country_code: str | None


class LastInvoicedOrder(BaseModel):
    """The client's most recent invoiced order."""

    order_id: int
    number: str | None
    invoiced_at: datetime


class ClientRead(BaseModel):
    """Every field of a client, as the client sheet shows it."""

    id: int
    version: int
    kind: str
    display_name: str
    title: str | None
    first_name: str | None
    last_name: str | None
    company_name: str | None
    email: str | None
    phone: str | None
    mobile: str | None
    billing_address: AddressRead
    shipping_same_as_billing: bool
    shipping_address: AddressRead
    category_id: int | None
    price_grid_id: int | None
    tag_ids: list[int]
    accounting_code: str
    accepts_emailing: bool
    accepts_mailing: bool
    note: str | None
    show_note_on_orders: bool
    legal_form: str | None
    siren: str | None
    siret: str | None
    vat_number: str | None
    blocked: bool
    blocked_reason: str | None
    blocked_at: datetime | None
    blocked_by: str | None
    status: Literal["client", "prospect"]
    invoiced_orders_count: int
    invoiced_total_cents: int
    last_invoiced_order: LastInvoicedOrder | None
    archived_at: datetime | None = None
    archived_by: str | None = None
    erased_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
