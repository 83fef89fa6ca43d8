"""Queries of a client's contacts (listing them is shared: services.clients.base.repository.list_contacts)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.models import Contact


async def get_contact(session: AsyncSession, *, client_id: int, contact_id: int) -> Contact | None:
    """One contact of a client."""
    return (
        await session.execute(select(Contact).where(Contact.client_id == client_id, Contact.id == contact_id))
    ).scalar_one_or_none()
