"""Queries of invoices: the invoice a credit note cancels, the client a document names."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.models import ClientReplica, Invoice


async def invoice_to_credit(session: AsyncSession, *, order_id: int) -> Invoice | None:
    """The invoice of an order, locked for its credit note."""
    return (
        await session.execute(select(Invoice).where(Invoice.order_id == order_id).with_for_update())
    ).scalar_one_or_none()


async def client(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> ClientReplica | None:
    """The client as the replica knows it, whatever its state (a document names deleted clients too)."""
    return (
        await session.execute(
            select(ClientReplica).where(ClientReplica.account_id == account_id, ClientReplica.client_id == client_id)
        )
    ).scalar_one_or_none()
