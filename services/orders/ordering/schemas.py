"""Request and response bodies of an order: its lines, and the order as read with what followed it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from services.orders.schema_types import Cents, Id, PositiveQuantity, Strict


class OrderLineCreate(Strict):
    """A line of a new order; the unit price is looked up unless given."""

    variant_id: Id
    quantity: PositiveQuantity
    unit_price_cents: Cents | None = None


class OrderCreate(Strict):
    """A new order for a client."""

    client_id: Id
    ship_to_client_id: Id | None = Field(default=None, description="Defaults to the billed client")
    lines: Annotated[list[OrderLineCreate], Field(min_length=1, max_length=500)]


class OrderLineRead(BaseModel):
    """An order line."""

    id: int
    variant_id: int
    product_name: str
    container_short_name: str
    vintage: int | None
    quantity: Decimal
    shipped_quantity: Decimal
    unit_price_cents: int
    price_rule: str
    line_total_cents: int


class InvoiceRead(BaseModel):
    """An order's invoice."""

    id: int
    number: str
    issued_at: datetime
    total_cents: int
    credit_note_number: str | None
    cancelled_at: datetime | None


class ShipmentLineRead(BaseModel):
    """How much of an order line left in a shipment."""

    order_line_id: int
    variant_id: int
    product_name: str
    container_short_name: str
    vintage: int | None
    quantity: Decimal


class ShipmentRead(BaseModel):
    """A shipment of an order: when, to which client, what."""

    id: int
    shipped_at: datetime
    ship_to_client_id: int
    lines: list[ShipmentLineRead]


class PaymentRead(BaseModel):
    """Money received on an order."""

    id: int
    paid_at: datetime
    amount_cents: int
    method: str


class OrderRead(BaseModel):
    """An order with its lines, invoice, and what was shipped and paid."""

    id: int
    number: str
    client_id: int
    ship_to_client_id: int
    state: str
    total_cents: int
    currency: str
    paid_cents: int
    banner: str | None = Field(description="The client's note flagged 'show on next orders'")
    created_at: datetime
    lines: list[OrderLineRead]
    invoice: InvoiceRead | None
    shipments: list[ShipmentRead] = Field(description="Oldest first")
    payments: list[PaymentRead] = Field(description="Oldest first")
