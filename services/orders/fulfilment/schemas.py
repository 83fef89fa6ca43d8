"""Request and response bodies of what follows an order: shipments, payments, reservations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.orders.schema_types import Id, PositiveQuantity, Strict
from shared.schemas import Moment


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


class ReservationRead(BaseModel):
    """A reservation."""

    id: int
    client_id: int
    variant_id: int
    quantity: Decimal
    remaining: Decimal = Field(
        description="What is still set aside for the client: 0 once consumed by shipments or cancelled."
    )
    status: str
    created_at: datetime
