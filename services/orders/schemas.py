"""Request and response bodies of the orders service (pydantic)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.schemas import Moment, Number, StrictBody

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Cents = Annotated[int, Field(ge=0, le=10**13)]
PositiveQuantity = Annotated[Number, Field(gt=0, le=Decimal("999999999"), max_digits=12, decimal_places=3)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(StrictBody):
    """Unknown fields are errors."""


class ContainerCreate(Strict):
    """A container size to add to the account's list."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    short_name: Annotated[str, Field(min_length=1, max_length=30)]
    millilitres: Annotated[int, Field(gt=0, le=1_000_000)]
    kind: Literal["bottle", "magnum", "bag-in-box", "other"]


class ContainerRead(BaseModel):
    """A container."""

    id: int
    name: str
    short_name: str
    millilitres: int
    kind: str


class VariantCreate(Strict):
    """A sellable form of a product."""

    container_id: Id
    vintage: Annotated[int | None, Field(ge=1800, le=2200)] = None
    packaging: Annotated[str | None, Field(max_length=100)] = None


class ProductCreate(Strict):
    """A product and its variants."""

    name: Name
    variants: Annotated[list[VariantCreate], Field(min_length=1, max_length=50)]


class VariantRead(BaseModel):
    """A variant with its container."""

    id: int
    product_id: int
    container: ContainerRead
    vintage: int | None
    packaging: str | None


class ProductRead(BaseModel):
    """A product with its variants."""

    id: int
    name: str
    variants: list[VariantRead]


class PriceGridCreate(Strict):
    """A price list."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    includes_tax: bool = True
    is_default: bool = False


class PriceGridRead(BaseModel):
    """A price list."""

    id: int
    name: str
    includes_tax: bool
    is_default: bool


class PriceSet(Strict):
    """A price in cents."""

    price_cents: Cents


class NegotiatedPriceSet(Strict):
    """A client's own price for a variant."""

    client_id: Id
    variant_id: Id
    price_cents: Cents


class NegotiatedPriceRead(BaseModel):
    """A negotiated price."""

    client_id: int
    variant_id: int
    price_cents: int


class SupersededPriceRead(BaseModel):
    """A merged client's negotiated price that the kept client's own price for the variant overrode."""

    merge_id: int
    client_id: int = Field(description="The kept client")
    merged_client_id: int
    variant_id: int
    price_cents: int = Field(description="The merged client's price, no longer applied")
    kept_price_cents: int = Field(description="The kept client's price at the merge, which still applies")
    superseded_at: datetime


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


class ShipmentLineCreate(Strict):
    """How much of an order line to ship."""

    order_line_id: Id
    quantity: PositiveQuantity


class ShipmentCreate(Strict):
    """A shipment: the given lines, or everything not yet shipped when empty."""

    lines: Annotated[list[ShipmentLineCreate], Field(max_length=500)] = []  # noqa: RUF012 (pydantic copies defaults)
    shipped_at: Moment | None = Field(
        default=None,
        description=(
            "When the goods left, with its UTC offset; now if left out. Not before the order was created, "
            "nor more than a day ahead (422 naming shipped_at)."
        ),
    )


class PaymentCreate(Strict):
    """Money received on an order."""

    amount_cents: Annotated[int, Field(gt=0, le=10**13)]
    paid_at: Moment | None = Field(
        default=None,
        description=(
            "When the money was received, with its UTC offset; now if left out. Not before the order was created, "
            "nor more than a day ahead (422 naming paid_at)."
        ),
    )
    method: Literal["card", "transfer", "cheque", "cash", "direct_debit", "other"]


class ReservationCreate(Strict):
    """Stock to set aside for a client."""

    client_id: Id
    variant_id: Id
    quantity: PositiveQuantity


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


class ReservationRead(BaseModel):
    """A reservation."""

    id: int
    client_id: int
    variant_id: int
    quantity: Decimal
    remaining: Decimal
    status: str
    created_at: datetime


class ClientChoice(BaseModel):
    """A client that may be given a new order."""

    client_id: int
    display_name: str
