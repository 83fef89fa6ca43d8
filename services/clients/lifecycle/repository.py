"""Queries deciding how a client may leave the base: what documents it has."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import ClientInvoice, ClientOrder


async def client_has_invoices(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> bool:
    """Whether any invoice, even cancelled, was issued to the client (they are kept by law)."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    ClientInvoice.account_id == account_id,
                    ClientInvoice.client_id == client_id,
                    ClientInvoice.issued_at.is_not(None),
                )
            )
        )
    )


async def client_has_orders(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> bool:
    """Whether any order, even cancelled, was billed to the client."""
    return bool(
        await session.scalar(
            select(exists().where(ClientOrder.account_id == account_id, ClientOrder.client_id == client_id))
        )
    )
