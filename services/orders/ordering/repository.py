"""Queries of an order and its document: numbers, the order, its lines, and the invoice, shipments and payments it shows."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.models import (
    Invoice,
    NumberSequence,
    Order,
    OrderLine,
    Payment,
    Shipment,
    ShipmentLine,
)


async def next_number(session: AsyncSession, *, account_id: uuid.UUID, kind: str) -> int:
    """The next number of a kind; the row stays locked until commit, so numbers have no gaps."""
    first = insert(NumberSequence).values(account_id=account_id, kind=kind, last_value=1)
    statement = first.on_conflict_do_update(
        index_elements=["account_id", "kind"], set_={"last_value": NumberSequence.last_value + 1}
    ).returning(NumberSequence.last_value)
    return int((await session.execute(statement)).scalar_one())


async def get_order(
    session: AsyncSession, *, account_id: uuid.UUID, order_id: int, for_update: bool = False
) -> Order | None:
    """One order of the account, optionally locked."""
    query = select(Order).where(Order.account_id == account_id, Order.id == order_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def order_lines(session: AsyncSession, *, order_id: int) -> list[OrderLine]:
    """An order's lines in order."""
    rows = await session.execute(select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id))
    return list(rows.scalars())


async def order_shipments(session: AsyncSession, *, order_id: int) -> list[tuple[Shipment, ShipmentLine]]:
    """An order's shipments with their lines, one row per line, oldest shipment first."""
    rows = await session.execute(
        select(Shipment, ShipmentLine)
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(Shipment.order_id == order_id)
        .order_by(Shipment.shipped_at, Shipment.id, ShipmentLine.order_line_id)
    )
    return [(shipment, line) for shipment, line in rows.all()]


async def order_payments(session: AsyncSession, *, order_id: int) -> list[Payment]:
    """An order's payments, oldest first."""
    rows = await session.execute(
        select(Payment).where(Payment.order_id == order_id).order_by(Payment.paid_at, Payment.id)
    )
    return list(rows.scalars())


async def get_invoice(session: AsyncSession, *, order_id: int) -> Invoice | None:
    """The invoice of an order, if any."""
    return (await session.execute(select(Invoice).where(Invoice.order_id == order_id))).scalar_one_or_none()
