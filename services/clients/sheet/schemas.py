"""Response bodies of the client sheet: the summary, the orders history, top products and statistics (pydantic)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.clients.base.schemas import ClientRead, LastInvoicedOrder
from services.clients.contacts.schemas import ContactRead
from services.clients.sheet.domain import Group


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
    """A client's figures per period and in total, for one date range."""

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
    """One order billed to the client, as its history shows it."""

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
    """The client sheet in one answer: every field, the contacts, the status and the summary."""

    contacts: list[ContactRead]
    summary: SheetSummary
