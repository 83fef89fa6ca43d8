"""HTTP routes of what follows an order: shipping, payments, reservations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from services.orders.fulfilment import service
from services.orders.fulfilment.schemas import PaymentCreate, ReservationCreate, ReservationRead, ShipmentCreate
from services.orders.ordering.schemas import OrderRead
from shared.auth import Reader, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/orders", route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OrderId = ObjectId
ClientQuery = Annotated[int, Query(ge=1, le=2**63 - 1)]


@router.post("/{order_id}/shipments", response_model=OrderRead, status_code=status.HTTP_201_CREATED, tags=["orders"])
async def ship(order_id: OrderId, body: ShipmentCreate, principal: Staff, session: Transaction) -> Any:
    """Ship the given quantities, or all that remains, to the ship-to client; dated now unless ``shipped_at``
    says otherwise, never before the order nor more than a day ahead (422)."""
    return await service.ship(session, principal=principal, order_id=order_id, data=body)


@router.post("/{order_id}/payments", response_model=OrderRead, status_code=status.HTTP_201_CREATED, tags=["orders"])
async def pay(order_id: OrderId, body: PaymentCreate, principal: Staff, session: Transaction) -> Any:
    """Record a payment on an order that is not cancelled; dated now unless ``paid_at`` says otherwise, never
    before the order nor more than a day ahead (422)."""
    return await service.record_payment(session, principal=principal, order_id=order_id, data=body)


@router.get("/reservations", response_model=list[ReservationRead], tags=["reservations"])
async def list_reservations(client_id: ClientQuery, principal: Reader, session: Transaction) -> Any:
    """A client's reservations: stock set aside for it, consumed by shipments to it."""
    return await service.list_reservations(session, principal=principal, client_id=client_id)


@router.post(
    "/reservations", response_model=ReservationRead, status_code=status.HTTP_201_CREATED, tags=["reservations"]
)
async def reserve(body: ReservationCreate, principal: Staff, session: Transaction) -> Any:
    """Reserve a quantity of a variant for a client."""
    return await service.reserve(session, principal=principal, data=body)


@router.post("/reservations/{reservation_id}/cancel", response_model=ReservationRead, tags=["reservations"])
async def cancel_reservation(reservation_id: ObjectId, principal: Staff, session: Transaction) -> Any:
    """Cancel an active reservation."""
    return await service.cancel_reservation(session, principal=principal, reservation_id=reservation_id)
