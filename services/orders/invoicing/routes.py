"""HTTP routes of invoicing: invoice an order, cancel its invoice by a credit note."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.orders.invoicing import service
from services.orders.ordering.schemas import OrderRead
from shared.auth import Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/orders", tags=["orders"], route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OrderId = ObjectId
ClientQuery = Annotated[int, Query(ge=1, le=2**63 - 1)]


@router.post("/{order_id}/invoice", response_model=OrderRead)
async def invoice(order_id: OrderId, principal: Staff, session: Transaction) -> Any:
    """Invoice the order with the account's next invoice number (409 if already invoiced)."""
    return await service.invoice_order(session, principal=principal, order_id=order_id)


@router.post("/{order_id}/credit-note", response_model=OrderRead)
async def credit_note(order_id: OrderId, principal: Staff, session: Transaction) -> Any:
    """Cancel the order's invoice with a credit note."""
    return await service.credit_invoice(session, principal=principal, order_id=order_id)
