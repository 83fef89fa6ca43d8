"""Response bodies of the client sheet's order figures (pydantic)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.clients.periods import Group


class ContainerRead(BaseModel):
    """A bottle size or other container of a delivered product."""

    container_id: int
    name: str
    short_name: str
    millilitres: int


class TopProduct(BaseModel):
    """A product (one vintage in one container) delivered to the client, with its volumes."""

    variant_id: int
    product_id: int
    product_name: str
    vintage: int | None
    container: ContainerRead
    units: float = Field(description="Units delivered (bottles, magnums...)")
    litres: float


class TopProducts(BaseModel):
    """The products most delivered to the client as ship-to, by units."""

    items: list[TopProduct]


class Figures(BaseModel):
    """What a client ordered, was invoiced and received over a period."""

    orders: int = Field(description="Orders created and not cancelled")
    revenue_cents: int = Field(description="Invoiced and not cancelled by a credit note")
    units: float = Field(description="Units shipped to the client")
    litres: float


class PeriodFigures(Figures):
    """The figures of one month ('2026-03') or year ('2026') in the account's time zone."""

    period: str


class ClientStatistics(BaseModel):
    """A client's figures per period and in total, for one date range (F17)."""

    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    group: Group
    container_id: int | None
    timezone: str
    currency: str = "EUR"
    periods: list[PeriodFigures]
    total: Figures


class OrderInvoice(BaseModel):
    """The invoice of an order: the live one, else the last one a credit note cancelled."""

    invoice_id: int
    number: str | None
    issued_at: datetime
    cancelled: bool


class ClientOrderRead(BaseModel):
    """One order billed to the client, as its history shows it (F13)."""

    order_id: int
    number: str
    state: str = Field(description="draft, confirmed, invoiced or cancelled")
    cancelled: bool
    created_at: datetime
    total_cents: int
    currency: str
    invoice: OrderInvoice | None
    link: str = Field(description="The order in the orders service")


class ClientOrderPage(BaseModel):
    """A page of a client's orders, newest first, and the cursor of the next page."""

    items: list[ClientOrderRead]
    next_cursor: str | None


class TimelineEntryRead(BaseModel):
    """One line of the client's timeline."""

    id: int
    occurred_at: datetime
    kind: str = Field(description="What happened, e.g. invoice.issued or client.created")
    category: str = Field(description="The filter the entry falls under, e.g. invoice or note")
    text: str
    object_type: str = Field(description="client, note, order, invoice, shipment, payment, reminder, email or mailing")
    object_id: int | None
    amount_cents: int | None
    link: str | None = Field(description="Where the object lives in the API")


class TimelinePage(BaseModel):
    """A page of a client's timeline, newest first, and the cursor of the next page."""

    items: list[TimelineEntryRead]
    next_cursor: str | None
