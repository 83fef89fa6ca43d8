"""Events published by the orders service (exchange negoce.orders)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from shared.events.envelope import Event

Currency = Field(default="EUR", pattern=r"^[A-Z]{3}$")


class ContainerPayload(BaseModel):
    """A bottle size or other container, as events carry it."""

    container_id: int
    name: str
    short_name: str
    millilitres: int
    kind: Literal["bottle", "magnum", "bag-in-box", "other"]


class ProductLinePayload(BaseModel):
    """One product line of an order, invoice or shipment."""

    order_line_id: int
    variant_id: int
    product_id: int
    product_name: str
    vintage: int | None = None
    container: ContainerPayload
    quantity: Decimal
    unit_price_cents: int
    line_total_cents: int = Field(description="Quantity x unit price, in the order's basis (with or without tax)")
    vat_rate: Decimal = Field(default=Decimal("20.00"), description="VAT rate in percent when the line was priced")
    excise_cents: int = Field(default=0, description="The line's excise: quantity x litres x excise per litre")


class VatAmountPayload(BaseModel):
    """The VAT of one rate: its taxable base (excise included) and amount, in cents."""

    rate: Decimal
    base_cents: int
    amount_cents: int


class OrderPayload(BaseModel):
    """An order's identity, parties, state and totals."""

    order_id: int
    order_number: str
    client_id: int = Field(description="The billed client")
    ship_to_client_id: int
    state: Literal["draft", "confirmed", "invoiced", "cancelled"]
    version: int
    total_cents: int
    currency: str = Currency
    created_at: datetime
    lines: list[ProductLinePayload] = []


class InvoiceIssuedPayload(BaseModel):
    """An order was invoiced: the invoice, its order, the billed client and the lines."""

    invoice_id: int
    invoice_number: str
    order_id: int
    order_number: str
    client_id: int
    issued_at: datetime
    total_cents: int = Field(description="Incl. tax: what the client pays")
    currency: str = Currency
    lines: list[ProductLinePayload] = []
    # Messages written before taxes lack these: None and [] then mean "not stated".
    prices_include_tax: bool = Field(default=True, description="Whether the unit prices include VAT and excise")
    total_excl_tax_cents: int | None = Field(default=None, description="Sum of the VAT bases, excise included")
    vat: list[VatAmountPayload] = Field(default=[], description="VAT per rate, highest rate first")
    excise_cents: int = 0


class InvoiceCancelledPayload(BaseModel):
    """An invoice was cancelled by a credit note."""

    invoice_id: int
    order_id: int
    client_id: int
    credit_note_number: str
    cancelled_at: datetime


class ShipmentLinePayload(BaseModel):
    """Quantities of one order line that left in a shipment."""

    order_line_id: int
    variant_id: int
    product_id: int
    product_name: str
    vintage: int | None = None
    container: ContainerPayload
    quantity: Decimal


class ShipmentShippedPayload(BaseModel):
    """Goods left for the ship-to client (who may not be the billed one)."""

    shipment_id: int
    order_id: int
    order_number: str
    client_id: int = Field(description="The billed client")
    ship_to_client_id: int = Field(description="Who receives the goods: top products count for them")
    shipped_at: datetime
    lines: list[ShipmentLinePayload]


class PaymentReceivedPayload(BaseModel):
    """A payment on an order."""

    payment_id: int
    order_id: int
    order_number: str
    client_id: int
    amount_cents: int
    currency: str = Currency
    paid_at: datetime
    method: str


class ReservationPayload(BaseModel):
    """Stock set aside for a client."""

    reservation_id: int
    client_id: int
    variant_id: int
    product_name: str
    quantity: Decimal
    remaining: Decimal
    status: Literal["active", "consumed", "cancelled"]


class PriceGridPayload(BaseModel):
    """A price grid's name at a version: each change of the name raises the version by one."""

    grid_id: int
    name: str
    version: int = Field(ge=1, description="1 when created; a consumer keeps the highest it has seen")


class OrderCreated(Event):
    """An order was created for a client."""

    TYPE = "order.created"
    type: Literal["order.created"] = "order.created"
    payload: OrderPayload


class OrderConfirmed(Event):
    """An order was confirmed (validated)."""

    TYPE = "order.confirmed"
    type: Literal["order.confirmed"] = "order.confirmed"
    payload: OrderPayload


class OrderInvoiced(Event):
    """An order was invoiced: its new state (the invoice itself travels as invoice.issued)."""

    TYPE = "order.invoiced"
    type: Literal["order.invoiced"] = "order.invoiced"
    payload: OrderPayload


class OrderCancelled(Event):
    """An order was cancelled before it was invoiced."""

    TYPE = "order.cancelled"
    type: Literal["order.cancelled"] = "order.cancelled"
    payload: OrderPayload


class InvoiceIssued(Event):
    """An order was invoiced (its number is final, sequential per account)."""

    TYPE = "invoice.issued"
    type: Literal["invoice.issued"] = "invoice.issued"
    payload: InvoiceIssuedPayload


class InvoiceCancelled(Event):
    """An invoice was cancelled by a credit note."""

    TYPE = "invoice.cancelled"
    type: Literal["invoice.cancelled"] = "invoice.cancelled"
    payload: InvoiceCancelledPayload


class ShipmentShipped(Event):
    """Goods of an order were shipped, whole or partly."""

    TYPE = "shipment.shipped"
    type: Literal["shipment.shipped"] = "shipment.shipped"
    payload: ShipmentShippedPayload


class PaymentReceived(Event):
    """A payment was recorded on an order."""

    TYPE = "payment.received"
    type: Literal["payment.received"] = "payment.received"
    payload: PaymentReceivedPayload


class ReservationCreated(Event):
    """Stock was reserved for a client."""

    TYPE = "reservation.created"
    type: Literal["reservation.created"] = "reservation.created"
    payload: ReservationPayload


class ReservationCancelled(Event):
    """A reservation was cancelled."""

    TYPE = "reservation.cancelled"
    type: Literal["reservation.cancelled"] = "reservation.cancelled"
    payload: ReservationPayload


class PriceGridCreated(Event):
    """A price grid was created (or, once, published for a grid that existed before its events did)."""

    TYPE = "price_grid.created"
    type: Literal["price_grid.created"] = "price_grid.created"
    payload: PriceGridPayload


class PriceGridRenamed(Event):
    """A price grid was renamed."""

    TYPE = "price_grid.renamed"
    type: Literal["price_grid.renamed"] = "price_grid.renamed"
    payload: PriceGridPayload


ORDER_EVENTS: tuple[type[Event], ...] = (
    OrderCreated,
    OrderConfirmed,
    OrderInvoiced,
    OrderCancelled,
    InvoiceIssued,
    InvoiceCancelled,
    ShipmentShipped,
    PaymentReceived,
    ReservationCreated,
    ReservationCancelled,
    PriceGridCreated,
    PriceGridRenamed,
)
