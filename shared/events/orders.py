"""Events published by the orders service (exchange negoce.orders)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.events.envelope import Event


class InvoiceIssuedPayload(BaseModel):
    """An order was invoiced: the invoice, its order and the billed client."""

    invoice_id: int
    invoice_number: str
    order_id: int
    order_number: str
    client_id: int
    issued_at: datetime
    total_cents: int
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")


class InvoiceCancelledPayload(BaseModel):
    """An invoice was cancelled by a credit note."""

    invoice_id: int
    order_id: int
    client_id: int
    credit_note_number: str
    cancelled_at: datetime


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


ORDER_EVENTS: tuple[type[Event], ...] = (InvoiceIssued, InvoiceCancelled)
