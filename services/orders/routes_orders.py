"""HTTP routes of orders: create, read, confirm, invoice, cancel, credit note, ship, pay."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from services.orders import fulfilment_service, order_repository, order_service
from services.orders.schemas import (
    ClientChoice,
    OrderCreate,
    OrderRead,
    PaymentCreate,
    PaymentRead,
    ShipmentCreate,
    ShipmentRead,
)
from shared.auth import CurrentPrincipal
from shared.db import Transaction
from shared.idempotency import IdempotentRoute
from shared.text import fold

router = APIRouter(prefix="/api/orders", tags=["orders"], route_class=IdempotentRoute)
OrderId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/client-choices", response_model=list[ClientChoice])
async def client_choices(
    principal: CurrentPrincipal,
    session: Transaction,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Any:
    """Clients that can be given a new order; blocked, archived, erased, merged or deleted ones never appear (F19)."""
    rows = await order_repository.client_choices(session, account_id=principal.account_id, prefix=fold(q), limit=limit)
    return [{"client_id": r.client_id, "display_name": r.display_name} for r in rows]


@router.post("", response_model=OrderRead, status_code=status.HTTP_201_CREATED)
async def create_order(body: OrderCreate, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Create an order; 409 for a blocked, archived, erased or merged client; the flagged note comes back as banner."""
    return await order_service.create_order(session, principal=principal, data=body)


@router.get("/{order_id}", response_model=OrderRead)
async def get_order(order_id: OrderId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """An order with its lines, invoice, shipments (date, ship-to client, lines) and payments (date, amount, method)."""
    return await order_service.get_order(session, principal=principal, order_id=order_id)


@router.post("/{order_id}/confirm", response_model=OrderRead)
async def confirm(order_id: OrderId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Confirm a draft order."""
    return await order_service.confirm_order(session, principal=principal, order_id=order_id)


@router.post("/{order_id}/invoice", response_model=OrderRead)
async def invoice(order_id: OrderId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Invoice the order with the account's next invoice number (409 if already invoiced)."""
    return await order_service.invoice_order(session, principal=principal, order_id=order_id)


@router.post("/{order_id}/cancel", response_model=OrderRead)
async def cancel(order_id: OrderId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Cancel an order that is not invoiced."""
    return await order_service.cancel_order(session, principal=principal, order_id=order_id)


@router.post("/{order_id}/credit-note", response_model=OrderRead)
async def credit_note(order_id: OrderId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Cancel the order's invoice with a credit note."""
    return await order_service.credit_invoice(session, principal=principal, order_id=order_id)


@router.get("/{order_id}/shipments", response_model=list[ShipmentRead])
async def list_shipments(order_id: OrderId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """The order's shipments, oldest first: date, ship-to client and lines."""
    return await order_service.list_shipments(session, principal=principal, order_id=order_id)


@router.post("/{order_id}/shipments", response_model=OrderRead, status_code=status.HTTP_201_CREATED)
async def ship(order_id: OrderId, body: ShipmentCreate, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Ship the given quantities, or all that remains, to the ship-to client; dated now unless ``shipped_at``
    says otherwise, never before the order nor more than a day ahead (422)."""
    return await fulfilment_service.ship(session, principal=principal, order_id=order_id, data=body)


@router.get("/{order_id}/payments", response_model=list[PaymentRead])
async def list_payments(order_id: OrderId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """The order's payments, oldest first: date, amount and method."""
    return await order_service.list_payments(session, principal=principal, order_id=order_id)


@router.post("/{order_id}/payments", response_model=OrderRead, status_code=status.HTTP_201_CREATED)
async def pay(order_id: OrderId, body: PaymentCreate, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Record a payment on an order that is not cancelled; dated now unless ``paid_at`` says otherwise, never
    before the order nor more than a day ahead (422)."""
    return await fulfilment_service.record_payment(session, principal=principal, order_id=order_id, data=body)
