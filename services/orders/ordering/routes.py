"""HTTP routes of an order: create, read, confirm, cancel, and read its shipments and payments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from services.orders.ordering import service
from services.orders.ordering.schemas import OrderCreate, OrderRead, PaymentRead, ShipmentRead
from shared.auth import Reader, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/orders", tags=["orders"], route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OrderId = ObjectId
ClientQuery = Annotated[int, Query(ge=1, le=2**63 - 1)]


@router.post("", response_model=OrderRead, status_code=status.HTTP_201_CREATED)
async def create_order(body: OrderCreate, principal: Staff, session: Transaction) -> Any:
    """Create an order; 409 for a blocked, archived, erased or merged client; the flagged note comes back as banner."""
    return await service.create_order(session, principal=principal, data=body)


@router.get("/{order_id}", response_model=OrderRead)
async def get_order(order_id: OrderId, principal: Reader, session: Transaction) -> Any:
    """An order with its lines, invoice, shipments (date, ship-to client, lines) and payments (date, amount, method)."""
    return await service.get_order(session, principal=principal, order_id=order_id)


@router.post("/{order_id}/confirm", response_model=OrderRead)
async def confirm(order_id: OrderId, principal: Staff, session: Transaction) -> Any:
    """Confirm a draft order."""
    return await service.confirm_order(session, principal=principal, order_id=order_id)


@router.post("/{order_id}/cancel", response_model=OrderRead)
async def cancel(order_id: OrderId, principal: Staff, session: Transaction) -> Any:
    """Cancel an order that is not invoiced."""
    return await service.cancel_order(session, principal=principal, order_id=order_id)


@router.get("/{order_id}/shipments", response_model=list[ShipmentRead])
async def list_shipments(order_id: OrderId, principal: Reader, session: Transaction) -> Any:
    """The order's shipments, oldest first: date, ship-to client and lines."""
    return await service.list_shipments(session, principal=principal, order_id=order_id)


@router.get("/{order_id}/payments", response_model=list[PaymentRead])
async def list_payments(order_id: OrderId, principal: Reader, session: Transaction) -> Any:
    """The order's payments, oldest first: date, amount and method."""
    return await service.list_payments(session, principal=principal, order_id=order_id)
