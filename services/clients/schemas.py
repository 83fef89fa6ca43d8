"""Request and response bodies of the clients service (pydantic)."""

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

from services.clients.domain import NameOrder
from services.clients.validation import (
    CountryCode,
    Id,
    Note,
    Phone,
    Text30,
    Text100,
    Text200,
    Text500,
    _blank_to_none,
    check_postal_code,
    optional_text,
)
from shared.schemas import StrictBody

Email = Annotated[
    Annotated[EmailStr, StringConstraints(max_length=254)] | None, BeforeValidator(_blank_to_none), Field(default=None)
]


class Strict(StrictBody):
    """Unknown fields are errors, so a typo never passes silently."""


class Address(Strict):
    """A postal address; the postal code is checked against the country."""

    country_code: CountryCode = "FR"
    line1: Text100
    line2: Text100
    line3: Text100
    postal_code: optional_text(16)  # type: ignore[valid-type]
    city: Text100

    @field_validator("postal_code")
    @classmethod
    def _postal_code_fits_country(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_postal_code(value, info.data.get("country_code"))


class ClientFields(Strict):
    """Fields a client is created or edited with."""

    multiline = frozenset({"note"})

    kind: Literal["person", "company"] | None = Field(
        default=None, description="Inferred from company_name when omitted"
    )
    title: Text30
    first_name: Text100
    last_name: Text100
    company_name: Text200
    email: Email
    phone: Phone
    mobile: Phone
    billing_address: Address | None = None
    shipping_same_as_billing: bool | None = None
    shipping_address: Address | None = None
    category_id: Id | None = None
    price_grid_id: Id | None = Field(default=None, description="A price grid of the orders service")
    tag_ids: list[Id] | None = Field(default=None, max_length=50)
    accounting_code: optional_text(30, pattern=r"^[A-Za-z0-9]+$")  # type: ignore[valid-type]
    accepts_emailing: bool | None = None
    accepts_mailing: bool | None = None
    note: Note
    show_note_on_orders: bool | None = None


class ClientCreate(ClientFields):
    """A new client or prospect."""


class ClientUpdate(ClientFields):
    """A partial edit: only the fields present are changed; null clears optional ones."""


class BlockRequest(Strict):
    """Why a client is blocked."""

    multiline = frozenset({"reason"})

    reason: Text500


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


class Location(BaseModel):
    """Where a client is, as the list shows it."""

    postal_code: str | None
    city: str | None
    country_code: str | None


class ClientListRow(BaseModel):
    """One row of the client base list."""

    id: int
    display_name: str
    location: Location
    last_invoiced_order: LastInvoicedOrder | None
    invoiced_orders_count: int
    invoiced_total_cents: int
    currency: str = "EUR"
    status: Literal["client", "prospect"]


class TabCounts(BaseModel):
    """How many rows each tab holds; for a search, how many match (counted up to 1,000)."""

    all: int
    clients: int
    prospects: int
    exact: bool = Field(True, description="False when a search matched more than 1,000: the counts are floors")


class ClientPage(BaseModel):
    """A page of the client list, the tab counts and the cursor of the next page."""

    items: list[ClientListRow]
    counts: TabCounts
    sort: str = Field(
        description="The order used: 'relevance' (the words of the search, best first, then by name) or the sort key"
    )
    next_cursor: str | None


class NamedCreate(Strict):
    """A category or tag to create or rename."""

    name: Annotated[str, Field(min_length=1, max_length=100)]


class NamedRead(BaseModel):
    """A category or tag."""

    id: int
    name: str


class AccountSettingsRead(BaseModel):
    """Client-base settings of the account."""

    name: str
    name_order: NameOrder
    accounting_prefix: str
    timezone: str


class AccountSettingsUpdate(Strict):
    """Settings to change."""

    name_order: NameOrder | None = None
    accounting_prefix: Annotated[str | None, Field(default=None, min_length=1, max_length=10, pattern=r"^[A-Z0-9]+$")]


class ContactFields(Strict):
    """A person at a client and the documents they receive."""

    title: Text30
    first_name: Text100
    last_name: Text100
    job_title: Text100
    email: Email
    phone: Phone
    mobile: Phone
    receives_quotes: bool | None = None
    receives_proforma: bool | None = None
    receives_invoices: bool | None = None
    receives_dunning: bool | None = None


class ContactRead(BaseModel):
    """A contact as stored."""

    id: int
    client_id: int
    title: str | None
    first_name: str | None
    last_name: str | None
    job_title: str | None
    email: str | None
    phone: str | None
    mobile: str | None
    receives_quotes: bool
    receives_proforma: bool
    receives_invoices: bool
    receives_dunning: bool


class SheetSummary(BaseModel):
    """The sheet's statistics at a glance: orders and what was invoiced, all time."""

    orders_count: int = Field(description="Orders billed to the client, cancelled ones excluded")
    open_orders_count: int = Field(description="Draft or confirmed orders not yet invoiced")
    last_order_at: datetime | None
    invoiced_orders_count: int
    invoiced_total_cents: int
    average_invoiced_order_cents: int | None
    currency: str = "EUR"
    last_invoiced_order: LastInvoicedOrder | None


class ClientSheet(ClientRead):
    """The client sheet in one answer: every field, the contacts, the status and the summary (F9)."""

    contacts: list[ContactRead]
    summary: SheetSummary


class RecipientRead(BaseModel):
    """Who receives a kind of document for a client."""

    name: str
    email: str
    source: Literal["contact", "client"]
    contact_id: int | None
