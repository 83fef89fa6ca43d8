"""Queries of what follows an order: quantities shipped so far, reservations."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.models import (
    OrderLine,
    Reservation,
    ShipmentLine,
)


async def shipped_quantities(session: AsyncSession, *, order_id: int) -> dict[int, Decimal]:
    """Quantity already shipped per order line."""
    rows = await session.execute(
        select(ShipmentLine.order_line_id, func.sum(ShipmentLine.quantity))
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .where(OrderLine.order_id == order_id)
        .group_by(ShipmentLine.order_line_id)
    )
    return dict(rows.all())


async def get_reservation(session: AsyncSession, *, account_id: uuid.UUID, reservation_id: int) -> Reservation | None:
    """One reservation, locked for an update."""
    return (
        await session.execute(
            select(Reservation)
            .where(Reservation.account_id == account_id, Reservation.id == reservation_id)
            .with_for_update()
        )
    ).scalar_one_or_none()


async def client_reservations(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> list[Reservation]:
    """A client's reservations, newest first."""
    rows = await session.execute(
        select(Reservation)
        .where(Reservation.account_id == account_id, Reservation.client_id == client_id)
        .order_by(Reservation.id.desc())
    )
    return list(rows.scalars())


async def active_reservations(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, variant_id: int
) -> list[Reservation]:
    """A client's active reservations of a variant, oldest first, locked."""
    rows = await session.execute(
        select(Reservation)
        .where(
            Reservation.account_id == account_id,
            Reservation.client_id == client_id,
            Reservation.variant_id == variant_id,
            Reservation.status == "active",
        )
        .order_by(Reservation.id)
        .with_for_update()
    )
    return list(rows.scalars())
