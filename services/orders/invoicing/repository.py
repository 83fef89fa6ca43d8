"""Queries of invoices: the invoice a credit note cancels."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.models import Invoice


async def invoice_to_credit(session: AsyncSession, *, order_id: int) -> Invoice | None:
    """The invoice of an order, locked for its credit note."""
    return (
        await session.execute(select(Invoice).where(Invoice.order_id == order_id).with_for_update())
    ).scalar_one_or_none()
