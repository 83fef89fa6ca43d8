"""Use cases after the order: shipments (whole or partial), payments and reservations."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.catalogue import service as catalogue
from services.orders.catalogue.domain import container_payload
from services.orders.client_life import service as clients
from services.orders.fulfilment import repository as repo
from services.orders.fulfilment.domain import fact_date_problem
from services.orders.fulfilment.schemas import PaymentCreate, ReservationCreate, ShipmentCreate
from services.orders.models import Order, Payment, Reservation, Shipment, ShipmentLine, outbox
from services.orders.ordering import service as ordering
from shared.auth import Principal
from shared.errors import Conflict, InvalidField, NotFound
from shared.events.orders import (
    PaymentReceived,
    PaymentReceivedPayload,
    ReservationCancelled,
    ReservationCreated,
    ReservationPayload,
    ShipmentLinePayload,
    ShipmentShipped,
    ShipmentShippedPayload,
)
from shared.outbox import add_event


async def ship(session: AsyncSession, *, principal: Principal, order_id: int, data: ShipmentCreate) -> dict[str, Any]:
    """Ship some or all of what remains to the ship-to client, consuming its reservations."""
    order = await ordering.load_order(session, principal=principal, order_id=order_id, for_update=True)
    _check_date(order, "shipped_at", data.shipped_at)
    if order.state not in ("confirmed", "invoiced"):
        raise Conflict(f"Order {order.number} is {order.state}: only confirmed or invoiced orders ship.")
    lines = {line.id: line for line in await ordering.order_lines(session, order_id=order.id)}
    shipped = await repo.shipped_quantities(session, order_id=order.id)
    remaining = {line_id: line.quantity - shipped.get(line_id, Decimal(0)) for line_id, line in lines.items()}
    wanted = (
        {item.order_line_id: item.quantity for item in data.lines}
        if data.lines
        else {line_id: left for line_id, left in remaining.items() if left > 0}
    )
    if len(wanted) != len(data.lines or wanted):
        raise InvalidField("lines", "each order line may appear once")
    for index, (line_id, quantity) in enumerate(wanted.items()):
        if line_id not in lines:
            raise InvalidField(f"lines.{index}.order_line_id", f"order {order.number} has no line {line_id}")
        if quantity > remaining[line_id]:
            raise InvalidField(f"lines.{index}.quantity", f"only {remaining[line_id]} left to ship on line {line_id}")
    if not wanted:
        raise Conflict(f"Order {order.number} is already fully shipped.")
    shipment = Shipment(
        account_id=order.account_id,
        order_id=order.id,
        ship_to_client_id=order.ship_to_client_id,
        shipped_at=data.shipped_at or datetime.now(UTC),
    )
    session.add(shipment)
    await session.flush()
    session.add_all(
        [
            ShipmentLine(shipment_id=shipment.id, order_line_id=line_id, quantity=quantity)
            for line_id, quantity in wanted.items()
        ]
    )
    details = {
        d.id: d
        for d in await catalogue.variant_details(
            session, account_id=order.account_id, variant_ids=[lines[i].variant_id for i in wanted]
        )
    }
    for line_id, quantity in wanted.items():
        await _consume_reservations(
            session, order.account_id, order.ship_to_client_id, lines[line_id].variant_id, quantity
        )
    await session.flush()
    await add_event(
        session,
        outbox,
        ShipmentShipped,
        account_id=order.account_id,
        payload=ShipmentShippedPayload(
            shipment_id=shipment.id,
            order_id=order.id,
            order_number=order.number,
            client_id=order.client_id,
            ship_to_client_id=order.ship_to_client_id,
            shipped_at=shipment.shipped_at,
            lines=[
                ShipmentLinePayload(
                    order_line_id=line_id,
                    variant_id=lines[line_id].variant_id,
                    quantity=quantity,
                    product_id=details[lines[line_id].variant_id].product_id,
                    product_name=details[lines[line_id].variant_id].product_name,
                    vintage=details[lines[line_id].variant_id].vintage,
                    container=container_payload(details[lines[line_id].variant_id]),
                )
                for line_id, quantity in wanted.items()
            ],
        ),
    )
    return await ordering.get_order(session, principal=principal, order_id=order.id)


async def record_payment(
    session: AsyncSession, *, principal: Principal, order_id: int, data: PaymentCreate
) -> dict[str, Any]:
    """Record money received on an order that is not cancelled."""
    order = await ordering.load_order(session, principal=principal, order_id=order_id, for_update=True)
    _check_date(order, "paid_at", data.paid_at)
    if order.state == "cancelled":
        raise Conflict(f"Order {order.number} is cancelled: it takes no payment.")
    payment = Payment(
        account_id=order.account_id,
        order_id=order.id,
        amount_cents=data.amount_cents,
        paid_at=data.paid_at or datetime.now(UTC),
        method=data.method,
    )
    session.add(payment)
    await session.flush()
    await add_event(
        session,
        outbox,
        PaymentReceived,
        account_id=order.account_id,
        payload=PaymentReceivedPayload(
            payment_id=payment.id,
            order_id=order.id,
            order_number=order.number,
            client_id=order.client_id,
            amount_cents=payment.amount_cents,
            currency=order.currency,
            paid_at=payment.paid_at,
            method=payment.method,
        ),
    )
    return await ordering.get_order(session, principal=principal, order_id=order.id)


async def reserve(session: AsyncSession, *, principal: Principal, data: ReservationCreate) -> dict[str, Any]:
    """Set stock aside for a client."""
    await clients.orderable_client(session, account_id=principal.account_id, client_id=data.client_id, for_update=True)
    details = await catalogue.variant_details(session, account_id=principal.account_id, variant_ids=[data.variant_id])
    if not details:
        raise NotFound(f"Variant {data.variant_id} does not exist.")
    reservation = Reservation(
        account_id=principal.account_id,
        client_id=data.client_id,
        variant_id=data.variant_id,
        quantity=data.quantity,
        remaining=data.quantity,
        status="active",
    )
    session.add(reservation)
    await session.flush()
    await session.refresh(reservation)
    await _announce(session, reservation, ReservationCreated, details[0].product_name)
    return reservation_body(reservation)


async def cancel_reservation(session: AsyncSession, *, principal: Principal, reservation_id: int) -> dict[str, Any]:
    """Cancel an active reservation: what it still set aside is free again, and no shipment consumes it."""
    reservation = await repo.get_reservation(session, account_id=principal.account_id, reservation_id=reservation_id)
    if reservation is None:
        raise NotFound(f"Reservation {reservation_id} does not exist.")
    if reservation.status != "active":
        raise Conflict(f"Reservation {reservation_id} is {reservation.status}.")
    # remaining is what is still held for the client: a cancelled reservation holds nothing, like a consumed
    # one, so the sheet's "left to deliver" no longer shows stock that is free again (shipments keep what went).
    reservation.status = "cancelled"
    reservation.remaining = Decimal(0)
    await session.flush()
    await session.refresh(reservation)  # the stored scale (0.000), as every other answer shows it
    details = await catalogue.variant_details(
        session, account_id=principal.account_id, variant_ids=[reservation.variant_id]
    )
    await _announce(session, reservation, ReservationCancelled, details[0].product_name)
    return reservation_body(reservation)


async def list_reservations(session: AsyncSession, *, principal: Principal, client_id: int) -> list[dict[str, Any]]:
    """A client's reservations."""
    await clients.orderable_client(session, account_id=principal.account_id, client_id=client_id)
    return [
        reservation_body(r)
        for r in await repo.client_reservations(session, account_id=principal.account_id, client_id=client_id)
    ]


def reservation_body(r: Reservation) -> dict[str, Any]:
    """A reservation for the API."""
    return {
        "id": r.id,
        "client_id": r.client_id,
        "variant_id": r.variant_id,
        "quantity": r.quantity,
        "remaining": r.remaining,
        "status": r.status,
        "created_at": r.created_at,
    }


def _check_date(order: Order, field: str, at: datetime | None) -> None:
    if at is not None and (problem := fact_date_problem(at, order_created_at=order.created_at, now=datetime.now(UTC))):
        raise InvalidField(field, problem)


async def _consume_reservations(
    session: AsyncSession, account_id: Any, client_id: int, variant_id: int, quantity: Decimal
) -> None:
    for reservation in await repo.active_reservations(
        session, account_id=account_id, client_id=client_id, variant_id=variant_id
    ):
        if quantity <= 0:
            return
        used = min(quantity, reservation.remaining)
        reservation.remaining -= used
        quantity -= used
        if reservation.remaining == 0:
            reservation.status = "consumed"


async def _announce(session: AsyncSession, r: Reservation, event_class: type, product_name: str) -> None:
    await add_event(
        session,
        outbox,
        event_class,
        account_id=r.account_id,
        payload=ReservationPayload(
            reservation_id=r.id,
            client_id=r.client_id,
            variant_id=r.variant_id,
            product_name=product_name,
            quantity=r.quantity,
            remaining=r.remaining,
            status=r.status,
        ),
    )
