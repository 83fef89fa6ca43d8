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
    line_total_cents: int = Field(description="Quantity x unit price, in the order's basis (with or without tax)")
    vat_rate: Decimal = Field(description="The product's VAT rate in percent when the line was priced")
    excise_cents: int = Field(description="Quantity x litres x the product's excise per litre when priced")


class VatAmountRead(BaseModel):
    """The VAT of one rate."""

    rate: Decimal = Field(description="Percent, two decimals")
    base_cents: int = Field(description="Taxable base of the rate, excise included")
    amount_cents: int


class TaxesRead(BaseModel):
    """An order's totals by the tax rule (services/orders/pricing/taxes.py)."""

    prices_include_tax: bool = Field(description="Whether the unit prices include VAT and excise")
    total_excl_tax_cents: int = Field(description="Sum of the VAT bases, excise included")
    vat: list[VatAmountRead] = Field(description="Per rate, highest first")
    excise_cents: int = Field(description="Excise of all lines (inside the bases)")
    total_cents: int = Field(description="Incl. tax: bases plus VAT")


class InvoiceRead(BaseModel):
    """An order's invoice, with its totals as issued (they never change)."""

    id: int
    number: str
    issued_at: datetime
    prices_include_tax: bool
    total_excl_tax_cents: int
    vat: list[VatAmountRead]
    excise_cents: int
    total_cents: int = Field(description="Incl. tax")
    credit_note_number: str | None
    cancelled_at: datetime | None
    document_url: str | None = Field(description="The invoice's PDF as issued; None if issued before PDFs were stored")
    credit_note_document_url: str | None = Field(description="The credit note's PDF as issued, once credited")


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
    total_cents: int = Field(description="Incl. tax: what the client pays")
    currency: str
    paid_cents: int
    banner: str | None = Field(description="The client's note flagged 'show on next orders'")
    created_at: datetime
    taxes: TaxesRead
    lines: list[OrderLineRead]
    invoice: InvoiceRead | None
    shipments: list[ShipmentRead] = Field(description="Oldest first")
    payments: list[PaymentRead] = Field(description="Oldest first")
